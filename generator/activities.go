package generator

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// activities emits the Activity interface, the name constants, one struct per
// activity with its accessor methods, and Unknown.
func (g *gen) activities(f *jen.File) {
	for _, l := range g.packageDoc() {
		f.PackageComment(l)
	}
	if g.api.Docs != "" {
		f.PackageComment("")
		f.PackageComment("See " + g.api.Docs + " and ACTIVITIES.md for the channel matrix.")
	}
	if doc := g.channelPackageDoc(); doc != nil {
		f.PackageComment("")
		for _, l := range doc {
			f.PackageComment(l)
		}
	}
	f.Comment("Activity is implemented by every activity of the protocol: the typed")
	f.Comment("ones below and *Unknown for names this package does not know.")
	f.Type().Id("Activity").Interface(
		jen.Comment("ActivityName returns the activity's wire name, e.g. \"Text\"."),
		jen.Id("ActivityName").Params().String(),
		jen.Comment("Session returns the session id, or 0 for activities without one."),
		jen.Id("Session").Params().Int64(),
		jen.Comment("RawJSON returns the body the activity was decoded from, or nil when"),
		jen.Comment("it was built in Go."),
		jen.Id("RawJSON").Params().Qual("encoding/json", "RawMessage"),
		jen.Qual("encoding/json", "Marshaler"),
	)
	f.Line()
	f.Comment("The activity names, as the " + g.api.Discriminator + " key carries them.")
	f.Const().DefsFunc(func(d *jen.Group) {
		for _, a := range g.api.Activities {
			d.Comment(fmt.Sprintf("Activity%s names the %s activity.", a.GoName, a.Wire))
			d.Id("Activity" + a.GoName).Op("=").Lit(a.Wire)
		}
	})
	for _, a := range g.api.Activities {
		g.activityStruct(f, a)
	}
	g.unknown(f)
}

func (g *gen) activityStruct(f *jen.File, a *ir.Activity) {
	writeDoc(f, a.GoName, a.Doc, fmt.Sprintf("%s is the %s activity.", a.GoName, a.Wire))
	f.Comment("")
	f.Comment(activitySummary(a))
	if line := g.channelLine(a); line != "" {
		f.Comment("")
		for _, l := range wrap(line) {
			f.Comment(l)
		}
	}
	if a.Docs != "" {
		f.Comment("")
		f.Comment("See " + a.Docs)
	}
	if a.Deprecated != "" {
		f.Comment("")
		f.Comment("Deprecated: " + a.Deprecated)
	}
	f.Type().Id(a.GoName).StructFunc(func(s *jen.Group) {
		for _, fl := range activityFields(g.api, a) {
			fieldDoc(s, fl)
			s.Id(fl.GoName).Add(fieldGoType(fl)).Add(jsonTag(fl))
		}
		s.Line()
		s.Id("raw").String().Comment("the body it was decoded from")
	})
	recv := jen.Id("x").Op("*").Id(a.GoName)
	f.Comment("ActivityName returns " + strconvQuote(a.Wire) + ".")
	f.Func().Params(jen.Op("*").Id(a.GoName)).Id("ActivityName").Params().String().Block(
		jen.Return(jen.Id("Activity" + a.GoName)),
	)
	if a.HasSession {
		f.Comment("Session returns x.SessionID.")
		f.Func().Params(recv.Clone()).Id("Session").Params().Int64().Block(jen.Return(jen.Id("x").Dot(g.api.Session.GoName)))
	} else {
		f.Comment("Session returns 0: " + a.Wire + " belongs to no session.")
		f.Func().Params(jen.Op("*").Id(a.GoName)).Id("Session").Params().Int64().Block(jen.Return(jen.Lit(0)))
	}
	f.Comment("RawJSON returns the body x was decoded from, or nil.")
	f.Func().Params(recv.Clone()).Id("RawJSON").Params().Qual("encoding/json", "RawMessage").Block(
		jen.If(jen.Id("x").Dot("raw").Op("==").Lit("")).Block(jen.Return(jen.Nil())),
		jen.Return(jen.Qual("encoding/json", "RawMessage").Parens(jen.Id("x").Dot("raw"))),
	)
}

// activityFields lists the Go struct fields of an activity: the session id,
// its own fields, then the envelope mluvii adds.
func activityFields(api *ir.API, a *ir.Activity) []*ir.Field {
	var fs []*ir.Field
	if a.HasSession {
		fs = append(fs, api.Session)
	}
	fs = append(fs, a.Fields...)
	return append(fs, a.Envelope...)
}

// activitySummary is the one-line role/direction note under an activity's doc.
func activitySummary(a *ir.Activity) string {
	var dir string
	switch a.Direction {
	case ir.ToMluvii:
		dir = "The bot sends it to mluvii"
	case ir.FromMluvii:
		dir = "mluvii sends it to the bot's callback URL"
	default:
		dir = "It goes both ways"
	}
	switch {
	case a.Response != nil:
		return fmt.Sprintf("%s; mluvii answers it later with %s, delivered to the callback URL.", dir, a.Response.GoName)
	case len(a.Requests) > 0:
		names := make([]string, len(a.Requests))
		for i, r := range a.Requests {
			names[i] = r.GoName
		}
		return fmt.Sprintf("%s, in answer to %s (paired by session, as the protocol has no correlation id).", dir, strings.Join(names, " or "))
	case a.Direction.Sent() && a.Role == ir.Request:
		return dir + "; there is no answer."
	}
	return dir + "."
}

func (g *gen) unknown(f *jen.File) {
	f.Comment("Unknown is an activity whose name this package does not know, e.g. one")
	f.Comment("mluvii added after the spec was written. Regenerate to get a typed one.")
	f.Type().Id("Unknown").Struct(
		jen.Comment("Name is the activity name as sent."),
		jen.Id("Name").String(),
		jen.Comment("SessionID is the session id when the body carries a readable one."),
		jen.Id("SessionID").Int64(),
		jen.Comment("Raw is the whole body."),
		jen.Id("Raw").Qual("encoding/json", "RawMessage"),
	)
	u := jen.Id("u").Op("*").Id("Unknown")
	f.Comment("ActivityName returns u.Name.")
	f.Func().Params(u.Clone()).Id("ActivityName").Params().String().Block(jen.Return(jen.Id("u").Dot("Name")))
	f.Comment("Session returns u.SessionID.")
	f.Func().Params(u.Clone()).Id("Session").Params().Int64().Block(jen.Return(jen.Id("u").Dot("SessionID")))
	f.Comment("RawJSON returns u.Raw.")
	f.Func().Params(u.Clone()).Id("RawJSON").Params().Qual("encoding/json", "RawMessage").Block(jen.Return(jen.Id("u").Dot("Raw")))
	f.Comment("MarshalJSON returns u.Raw, or null when it is empty.")
	f.Func().Params(u.Clone()).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.If(jen.Len(jen.Id("u").Dot("Raw")).Op("==").Lit(0)).Block(
			jen.Return(jen.Index().Byte().Parens(jen.Lit("null")), jen.Nil()),
		),
		jen.Return(jen.Id("u").Dot("Raw"), jen.Nil()),
	)
}

// writeDoc writes a godoc comment whose first line starts with name; fallback
// opens the comment when the spec's doc does not start with the name.
func writeDoc(f *jen.File, name string, doc []string, fallback string) {
	if len(doc) == 0 || !strings.HasPrefix(doc[0], name+" ") {
		f.Comment(fallback)
		if len(doc) > 0 {
			f.Comment("")
		}
	}
	for _, l := range doc {
		f.Comment(l)
	}
}

// fieldDoc writes a struct field's comment: its doc, wire key and notes.
func fieldDoc(s *jen.Group, fl *ir.Field) {
	for _, l := range fl.Doc {
		s.Comment(l)
	}
	note := "Wire key " + strconvQuote(fl.Wire)
	if len(fl.Aliases) > 0 {
		note += " (also " + strings.Join(quoteAll(fl.Aliases), ", ") + ")"
	}
	switch {
	case fl.Positive:
		note += "; required, positive."
	case fl.Optional && fl.Nullable:
		note += "; optional, may be null."
	case fl.Optional:
		note += "; optional."
	case fl.Nullable:
		note += "; may be null."
	default:
		note += "; required."
	}
	s.Comment(note)
	if fl.Deprecated != "" {
		s.Comment("")
		s.Comment("Deprecated: " + fl.Deprecated)
	}
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconvQuote(s)
	}
	return out
}

// channelLine says, for an activity the bot sends, on which channels mluvii
// takes it (from the spec's matrix), and why this package's Client has no
// method for it when --channel left it out.
func (g *gen) channelLine(a *ir.Activity) string {
	if !a.Direction.Sent() || len(g.api.Channels) == 0 {
		return ""
	}
	var yes, unverified, no []string
	for _, c := range g.api.Channels {
		switch cell := a.Cell(c); {
		case cell == nil || cell.Support == ir.No:
			no = append(no, c.Name)
		case cell.Support == ir.Unverified:
			unverified = append(unverified, c.Name)
		default:
			yes = append(yes, c.Name)
		}
	}
	var parts []string
	for _, p := range []struct {
		names []string
		what  string
	}{{yes, "supported"}, {unverified, "unverified"}, {no, "not supported"}} {
		if len(p.names) > 0 {
			parts = append(parts, p.what+" on "+strings.Join(p.names, ", "))
		}
	}
	line := "Channels: " + strings.Join(parts, "; ") + "."
	if len(g.channels) > 0 && !g.onClient(a) {
		var names []string
		for _, c := range g.channels {
			names = append(names, c.Name)
		}
		line += " This package was generated with --channel " + strings.Join(names, ",") +
			", so its Client has no method for it: send it with Client.Send."
	}
	return line
}
