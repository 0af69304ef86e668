package generator

import (
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// schema emits the spec as data for the run-time code (ActivityInfo tables,
// channels) and a Validate method for every activity the bot sends.
func (g *gen) schema(f *jen.File) {
	api := g.api
	f.Const().Defs(
		jen.Comment("DiscriminatorKey is the key that names the activity."),
		jen.Id("DiscriminatorKey").Op("=").Lit(api.Discriminator),
		jen.Comment("SessionKey is the key of the session id."),
		jen.Id("SessionKey").Op("=").Lit(api.Session.Wire),
		jen.Comment("foldActivityNames: activity names match in any letter case."),
		jen.Id("foldActivityNames").Op("=").Lit(api.FoldCase),
	)
	if len(api.Channels) > 0 {
		f.Comment("The channels of the matrix.")
		f.Const().DefsFunc(func(d *jen.Group) {
			for _, c := range api.Channels {
				doc := "Channel" + c.GoName + " is " + c.Name
				if len(c.Doc) > 0 {
					doc += ": " + strings.Join(c.Doc, " ")
				} else {
					doc += "."
				}
				d.Comment(doc)
				d.Id("Channel" + c.GoName).Id(rt.Channel).Op("=").Lit(c.Name)
			}
		})
	}
	f.Var().Id("channelSources").Op("=").Index().Id(rt.ChannelSource).ValuesFunc(func(v *jen.Group) {
		for _, c := range api.Channels {
			v.Values(jen.Id("Channel"+c.GoName), stringSlice(c.Sources))
		}
	})
	f.Var().Id("activityInfos").Op("=").Index().Id(rt.ActivityInfo).ValuesFunc(func(v *jen.Group) {
		for _, a := range api.Activities {
			v.Add(activityInfo(a))
		}
	})
	f.Var().Id("typeInfos").Op("=").Index().Id(rt.TypeInfo).ValuesFunc(func(v *jen.Group) {
		for _, st := range api.Structs {
			v.Values(jen.Dict{jen.Id("Name"): jen.Lit(st.Name), jen.Id("Kind"): jen.Lit("struct"), jen.Id("Fields"): fieldInfos(st.Fields)})
		}
		for _, e := range api.Enums {
			kind := "enum"
			if e.Flags {
				kind = "flags"
			}
			var values []string
			for _, ev := range e.Values {
				values = append(values, ev.Wire)
			}
			d := jen.Dict{jen.Id("Name"): jen.Lit(e.Name), jen.Id("Kind"): jen.Lit(kind), jen.Id("Values"): stringSlice(values)}
			if nums := enumNumberValues(e); nums != nil {
				d[jen.Id("Numbers")] = jen.Index().Id(rt.EnumNumber).Values(nums...)
			}
			v.Values(d)
		}
	})
	f.Var().Id("envelopeInfos").Op("=").Add(fieldInfos(api.Envelope))
	for _, a := range api.Activities {
		if a.Direction.Sent() {
			g.validateMethod(f, a)
		}
	}
}

func enumNumberValues(e *ir.Enum) []jen.Code {
	var out []jen.Code
	for _, ev := range e.Values {
		if ev.HasNumber {
			out = append(out, jen.Values(jen.Lit(ev.Number), jen.Lit(ev.Wire)))
		}
	}
	return out
}

func activityInfo(a *ir.Activity) jen.Code {
	d := jen.Dict{
		jen.Id("Name"):       jen.Lit(a.Wire),
		jen.Id("GoName"):     jen.Lit(a.GoName),
		jen.Id("Role"):       jen.Id(roleConst(a.Role)),
		jen.Id("Sent"):       jen.Lit(a.Direction.Sent()),
		jen.Id("Received"):   jen.Lit(a.Direction.Received()),
		jen.Id("HasSession"): jen.Lit(a.HasSession),
		jen.Id("Key"):        jen.Lit(a.Key),
		jen.Id("RetrySafe"):  jen.Lit(a.RetrySafe),
	}
	if a.EndsSession {
		d[jen.Id("EndsSession")] = jen.True()
	}
	if len(a.Aliases) > 0 {
		d[jen.Id("Aliases")] = stringSlice(a.Aliases)
	}
	if a.Match != nil {
		d[jen.Id("MatchKey")] = jen.Lit(a.Match.Key)
		d[jen.Id("MatchValues")] = stringSlice(a.Match.Values)
	}
	if a.Response != nil {
		d[jen.Id("Response")] = jen.Lit(a.Response.Wire)
	}
	if len(a.Requests) > 0 {
		var names []string
		for _, r := range a.Requests {
			names = append(names, r.Wire)
		}
		d[jen.Id("Requests")] = stringSlice(names)
	}
	if len(a.Channels) > 0 {
		d[jen.Id("Channels")] = channelRow(a.Channels)
	}
	if len(a.Fields) > 0 {
		d[jen.Id("Fields")] = fieldInfos(a.Fields)
	}
	if len(a.OneOf) > 0 {
		d[jen.Id("OneOf")] = jen.Index().Index().String().ValuesFunc(func(v *jen.Group) {
			for _, group := range a.OneOf {
				v.Add(stringSlice(wireNames(group)))
			}
		})
	}
	for _, kv := range [][2]string{{"Doc", strings.Join(a.Doc, "\n")}, {"Docs", a.Docs}, {"Deprecated", a.Deprecated}} {
		if kv[1] != "" {
			d[jen.Id(kv[0])] = jen.Lit(kv[1])
		}
	}
	return jen.Values(d)
}

// channelRow is the ChannelSupport list of a channel row.
func channelRow(cells []*ir.Cell) jen.Code {
	return jen.Index().Id(rt.ChannelSupport).ValuesFunc(func(v *jen.Group) {
		for _, c := range cells {
			v.Values(jen.Id("Channel"+c.Channel.GoName), jen.Id(supportConst(c.Support)), jen.Lit(c.Source))
		}
	})
}

func fieldInfos(fs []*ir.Field) jen.Code {
	return jen.Index().Id(rt.FieldInfo).ValuesFunc(func(v *jen.Group) {
		for _, fl := range fs {
			d := jen.Dict{
				jen.Id("Name"):     jen.Lit(fl.Wire),
				jen.Id("GoName"):   jen.Lit(fl.GoName),
				jen.Id("Type"):     jen.Lit(typeExpr(fl.Type)),
				jen.Id("TypeRef"):  typeRef(fl.Type),
				jen.Id("Required"): jen.Lit(!fl.Optional),
				jen.Id("Nullable"): jen.Lit(fl.Nullable),
			}
			if len(fl.Aliases) > 0 {
				d[jen.Id("Aliases")] = stringSlice(fl.Aliases)
			}
			if len(fl.Doc) > 0 {
				d[jen.Id("Doc")] = jen.Lit(strings.Join(fl.Doc, "\n"))
			}
			if len(fl.Channels) > 0 {
				d[jen.Id("Channels")] = channelRow(fl.Channels)
			}
			v.Values(d)
		}
	})
}

// typeExpr renders a type back as the spec's type expression.
func typeExpr(t *ir.Type) string {
	switch {
	case t.Kind.IsBuiltin():
		return t.Kind.String()
	case t.Kind == ir.Slice:
		return "[]" + typeExpr(t.Elem)
	case t.Kind == ir.Map:
		return "map[string]" + typeExpr(t.Elem)
	case t.Kind == ir.StructKind:
		return t.Struct.Name
	}
	return t.Enum.Name
}

// typeRef is the run-time schema's parsed form of t: a TypeRef literal whose
// Kind is the kind table's name (spec/kind).
func typeRef(t *ir.Type) jen.Code {
	d := jen.Dict{jen.Id("Kind"): jen.Lit(t.Kind.String())}
	switch t.Kind {
	case ir.Slice, ir.Map:
		d[jen.Id("Elem")] = jen.Op("&").Add(typeRef(t.Elem))
	case ir.StructKind:
		d[jen.Id("Name")] = jen.Lit(t.Struct.Name)
	case ir.EnumKind, ir.FlagsKind:
		d[jen.Id("Name")] = jen.Lit(t.Enum.Name)
	}
	return jen.Id(rt.TypeRef).Values(d)
}

func roleConst(r ir.Role) string {
	switch r {
	case ir.Request:
		return rt.RoleRequest
	case ir.Response:
		return rt.RoleResponse
	case ir.Event:
		return rt.RoleEvent
	}
	return rt.RoleMessage
}

func supportConst(s ir.Support) string {
	switch s {
	case ir.Yes:
		return rt.SupportYes
	case ir.No:
		return rt.SupportNo
	}
	return rt.SupportUnverified
}

func stringSlice(ss []string) jen.Code {
	return jen.Index().String().ValuesFunc(func(v *jen.Group) {
		for _, s := range ss {
			v.Lit(s)
		}
	})
}

func wireNames(fs []*ir.Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Wire
	}
	return out
}

// validateMethod emits Validate for an activity the bot sends: what the spec
// says must be set before it goes out.
func (g *gen) validateMethod(f *jen.File, a *ir.Activity) {
	fail := func(field, msg string) jen.Code {
		return jen.Return(jen.Op("&").Id(rt.ValidationError).Values(jen.Dict{
			jen.Id("Activity"): jen.Id("Activity" + a.GoName),
			jen.Id("Field"):    jen.Lit(field),
			jen.Id("Msg"):      jen.Lit(msg),
		}))
	}
	var body []jen.Code
	if a.HasSession {
		s := g.api.Session
		body = append(body, jen.If(jen.Id("x").Dot(s.GoName).Op("<=").Lit(0)).Block(fail(s.Wire, "must be a positive session id")))
	}
	for _, fl := range a.Fields {
		if fl.Optional || !checkable(fl.Type) {
			continue
		}
		body = append(body, jen.If(jen.Op("!").Parens(isSet(fl.Type, isPtr(fl), jen.Id("x").Dot(fl.GoName)))).Block(fail(fl.Wire, "is required")))
	}
	for _, group := range a.OneOf {
		var conds []jen.Code
		for _, fl := range group {
			conds = append(conds, isSet(fl.Type, isPtr(fl), jen.Id("x").Dot(fl.GoName)))
		}
		names := wireNames(group)
		body = append(body, jen.If(jen.Op("!").Parens(or(conds...))).Block(
			fail(strings.Join(names, " or "), "must be set (one of them is required)"),
		))
	}
	body = append(body, jen.Return(jen.Nil()))
	f.Comment("Validate reports, as a *ValidationError, what the spec requires of " + a.Wire)
	f.Comment("that x lacks. The client calls it before sending.")
	f.Func().Params(jen.Id("x").Op("*").Id(a.GoName)).Id("Validate").Params().Error().Block(body...)
}

// checkable reports whether "required" can be checked on a value of t: zero
// numbers and false are legitimate values, empty strings and nil lists not.
func checkable(t *ir.Type) bool {
	if b, ok := builtinGo[t.Kind]; ok {
		return b.required
	}
	switch t.Kind {
	case ir.EnumKind, ir.Slice, ir.Map, ir.FlagsKind:
		return true
	}
	return false
}
