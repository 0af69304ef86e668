package generator

import (
	"strings"
	"sync"

	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
	"github.com/mluviigen/mluviigen/templates"
)

// reservedNames are the Go names the emitters declare whatever the spec says;
// a spec name that maps onto one of them is an error. The names the runtime
// files declare (templates/runtime) are reserved too, read from their source.
var reservedNames = []string{
	"Activity", "ActivityName", "Unknown", "Decode", "Client", "NewClient",
	"Dispatcher", "NewDispatcher", "Option", "Channel", "Channels", "ClientChannels",
	"DiscriminatorKey", "SessionKey",
}

// runtimeNames are the package-level names of templates/runtime.
var runtimeNames = sync.OnceValues(func() ([]string, error) { return templates.DeclaredNames("runtime") })

// Build resolves a validated spec into the IR: Go names, type references and
// request → response links. Go-name collisions come back as a spec.ErrorList.
func Build(s *spec.Spec) (*ir.API, error) {
	b := &builder{
		s:       s,
		errs:    new(spec.ErrorList),
		structs: map[string]*ir.Struct{},
		enums:   map[string]*ir.Enum{},
		names:   map[string]spec.Pos{},
	}
	rt, err := runtimeNames()
	if err != nil {
		return nil, err
	}
	for _, n := range append(rt, reservedNames...) {
		b.names[n] = spec.Pos{File: "(generated package)"}
	}
	api := b.build()
	api.Sources = references(s.Sources)
	if err := b.errs.Err(); err != nil {
		return nil, err
	}
	return api, nil
}

type builder struct {
	s       *spec.Spec
	errs    *spec.ErrorList
	structs map[string]*ir.Struct
	enums   map[string]*ir.Enum
	// names holds every top-level Go identifier the output declares.
	names map[string]spec.Pos
}

// declare claims a package-level Go name.
func (b *builder) declare(name string, pos spec.Pos, what string) {
	if first, taken := b.names[name]; taken {
		where := "by the generated package"
		if first.Line > 0 {
			where = "at " + first.String()
		}
		b.errs.Add(pos, "%s: Go name %s is already declared %s", what, name, where)
		return
	}
	b.names[name] = pos
}

func (b *builder) build() *ir.API {
	s := b.s
	api := &ir.API{
		Name:          s.Name,
		Doc:           lines(s.Doc),
		Docs:          s.Docs,
		Discriminator: s.Discriminator.Key,
		FoldCase:      s.Discriminator.FoldCase,
		Session: &ir.Field{
			Wire: s.Session.Field, GoName: ir.GoName(s.Session.Field),
			Type: &ir.Type{Kind: ir.Int64}, Positive: true, Doc: lines(s.Session.Doc),
		},
	}
	for _, c := range s.Channels {
		ch := &ir.Channel{Name: c.Name, GoName: ir.GoName(c.Name), Sources: c.Sources, Doc: lines(c.Doc)}
		ch.ViewGoName = ch.GoName + "Client"
		b.declare(ch.ViewGoName, c.Pos, "channel "+c.Name+" client view")
		api.Channels = append(api.Channels, ch)
	}
	// Declare named types first so fields can refer to them in any order.
	for _, t := range s.Types {
		switch t.Kind {
		case spec.KindStruct:
			st := &ir.Struct{Name: t.Name, GoName: ir.GoName(t.Name), Doc: lines(t.Doc), Source: t.Source}
			b.declare(st.GoName, t.Pos, "type "+t.Name)
			b.structs[t.Name] = st
			api.Structs = append(api.Structs, st)
		default:
			e := b.enum(t)
			b.enums[t.Name] = e
			api.Enums = append(api.Enums, e)
		}
	}
	for _, t := range s.Types {
		if st := b.structs[t.Name]; st != nil && t.Kind == spec.KindStruct {
			st.Fields = b.fields("type "+t.Name, t.Fields)
		}
	}
	api.Envelope = b.fields("envelope", s.Envelope)
	b.activities(api)
	return api
}

func (b *builder) enum(t *spec.Type) *ir.Enum {
	e := &ir.Enum{Name: t.Name, GoName: ir.GoName(t.Name), Flags: t.Kind == spec.KindFlags, Doc: lines(t.Doc), Source: t.Source}
	b.declare(e.GoName, t.Pos, "type "+t.Name)
	if e.Flags {
		e.FlagGoName = ir.GoName(t.Flag)
		b.declare(e.FlagGoName, t.Keys["flag"], "flag type "+t.Flag)
	}
	for _, v := range t.Values {
		ev := &ir.EnumValue{Wire: v.Name, GoName: e.ValueType() + ir.GoName(v.Name), Doc: lines(v.Doc), Source: v.Source}
		if v.Number != nil {
			ev.Number, ev.HasNumber = *v.Number, true
		}
		b.declare(ev.GoName, v.Pos, "value "+v.Name)
		e.Values = append(e.Values, ev)
	}
	return e
}

// methodNames are methods every activity has; no field may take their names.
var methodNames = map[string]bool{"ActivityName": true, "Session": true, "Raw": true, "MarshalJSON": true, "UnmarshalJSON": true}

func (b *builder) fields(owner string, fs []*spec.Field) []*ir.Field {
	var out []*ir.Field
	seen := map[string]*spec.Field{}
	for _, f := range fs {
		goName := f.GoName
		if goName == "" {
			goName = ir.GoName(f.Name)
		}
		if first := seen[goName]; first != nil {
			b.errs.Add(f.Pos, "%s: field %q has Go name %s, like field %q at %s", owner, f.Name, goName, first.Name, first.Pos.RelativeTo(f.Pos))
		}
		if methodNames[goName] {
			b.errs.Add(f.Pos, "%s: field %q: Go name %s is a method of every activity (set goName)", owner, f.Name, goName)
		}
		seen[goName] = f
		te, err := spec.ParseType(f.Type)
		if err != nil {
			continue // reported by Validate
		}
		out = append(out, &ir.Field{
			Wire: f.Name, GoName: goName, Aliases: f.Aliases, Type: b.resolve(te),
			Optional: f.Optional, Nullable: f.Nullable, Doc: lines(f.Doc),
			Source: f.Source, Deprecated: f.Deprecated,
		})
	}
	return out
}

func (b *builder) resolve(te *spec.TypeExpr) *ir.Type {
	switch {
	case te.List != nil:
		return ir.SliceOf(b.resolve(te.List))
	case te.Map != nil:
		return ir.MapOf(b.resolve(te.Map))
	}
	switch te.Name {
	case "string":
		return &ir.Type{Kind: ir.String}
	case "bool":
		return &ir.Type{Kind: ir.Bool}
	case "int32":
		return &ir.Type{Kind: ir.Int32}
	case "int64":
		return &ir.Type{Kind: ir.Int64}
	case "float64":
		return &ir.Type{Kind: ir.Float64}
	case "timestamp":
		return &ir.Type{Kind: ir.Time}
	case "uuid":
		return &ir.Type{Kind: ir.UUID}
	case "json":
		return &ir.Type{Kind: ir.Raw}
	}
	if st := b.structs[te.Name]; st != nil {
		return &ir.Type{Kind: ir.StructKind, Struct: st}
	}
	e := b.enums[te.Name]
	if e.Flags {
		return &ir.Type{Kind: ir.FlagsKind, Enum: e}
	}
	return &ir.Type{Kind: ir.EnumKind, Enum: e}
}

// lines splits doc text into lines without trailing blank lines.
func lines(s string) []string {
	s = strings.TrimRight(s, "\n ")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
