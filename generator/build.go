package generator

import (
	"go/token"
	"go/types"
	"slices"
	"strings"

	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
	"github.com/mluviigen/mluviigen/spec/kind"
)

// Build resolves a validated spec into the IR: Go names, type references and
// request → response links. Every Go name the output declares for the spec
// is claimed here against the reserved set (reserved.go) and the names
// claimed before it; a clash comes back, with every other, as a
// spec.ErrorList.
func Build(s *spec.Spec) (*ir.API, error) {
	n, err := newNames()
	if err != nil {
		return nil, err
	}
	b := &builder{
		s:       s,
		errs:    new(spec.ErrorList),
		structs: map[string]*ir.Struct{},
		enums:   map[string]*ir.Enum{},
		names:   n,

		fieldPos: map[*ir.Field]spec.Pos{},
		pos:      map[any]spec.Pos{},
	}
	api := b.build()
	api.Sources = references(s.Sources)
	if err := b.errs.Err(); err != nil {
		return nil, err
	}
	api.Names = b.names.list()
	return api, nil
}

type builder struct {
	s       *spec.Spec
	errs    *spec.ErrorList
	structs map[string]*ir.Struct
	enums   map[string]*ir.Enum
	names   *names
	// fieldPos positions the fields for errors found after fields.
	fieldPos map[*ir.Field]spec.Pos
	// pos positions activities and channels likewise.
	pos map[any]spec.Pos
	// channels are the API's channels, in the spec's order.
	channels []*ir.Channel
}

// pkgScope holds the package-level names of the generated package.
var pkgScope = scope{ir.MainPackage, ""}

// declare claims a package-level Go name of the generated package.
func (b *builder) declare(name string, pos spec.Pos, what string) bool {
	return b.claim(scope{ir.MainPackage, ""}, name, pos, what)
}

// claim claims name in sc; a taken name is an error positioned at pos.
// kinds are the member sets of the type whose member it is.
func (b *builder) claim(sc scope, name string, pos spec.Pos, what string) bool {
	return b.claimAs(sc, name, pos, what, "", "")
}

// claimAs is claim for a name made for the spec name what, in the role
// (e.g. "its reader function"); hint ends the error (e.g. "; set goName").
func (b *builder) claimAs(sc scope, name string, pos spec.Pos, what, role, hint string) bool {
	if owner := b.names.owner(sc, name); owner != "" {
		if role != "" {
			b.errs.Add(pos, "%s: Go name %s (%s) is already declared %s%s", what, name, role, owner, hint)
		} else {
			b.errs.Add(pos, "%s: Go name %s is already declared %s%s", what, name, owner, hint)
		}
		return false
	}
	b.names.take(sc, name, what, pos)
	return true
}

// free reports whether every name is free in sc.
func (b *builder) free(sc scope, names ...string) bool {
	for _, n := range names {
		if b.names.owner(sc, n) != "" {
			return false
		}
	}
	return true
}

// checkPackageName rejects a package name the output cannot use: the fake
// imports the generated package under it.
func (b *builder) checkPackageName() {
	name := b.s.Name
	if name == "" {
		return // reported by Validate
	}
	pos := b.s.Pos
	if p, ok := b.s.Keys["name"]; ok {
		pos = p
	}
	switch {
	case token.IsKeyword(name), name == "main", name == "_":
		b.errs.Add(pos, "name %q cannot name a Go package", name)
	case types.Universe.Lookup(name) != nil:
		b.errs.Add(pos, "name %q is a predeclared Go identifier; the generated %s package could not import the package by it", name, ir.TestPackage)
	case b.names.owner(scope{ir.TestPackage, ""}, name) != "" || slices.Contains(mockLocals, name):
		b.errs.Add(pos, "name %q is declared in the generated %s package, which imports the package by its name", name, ir.TestPackage)
	}
}

// goName checks a Go name made from or given for a spec name: it must be an
// exported identifier.
func (b *builder) goName(given, wire string, pos spec.Pos, what string) string {
	name := given
	if name == "" {
		name = ir.GoName(wire)
	}
	if !token.IsIdentifier(name) || !token.IsExported(name) {
		if given != "" {
			b.errs.Add(pos, "%s: goName %q must be an exported Go identifier", what, given)
		} else {
			b.errs.Add(pos, "%s: Go name %q made from %q is not an exported Go identifier; set goName", what, name, wire)
		}
	}
	return name
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
	b.checkPackageName()
	for _, c := range s.Channels {
		ch := &ir.Channel{Name: c.Name, GoName: ir.GoName(c.Name), Sources: c.Sources, Doc: lines(c.Doc)}
		ch.ViewGoName = ch.GoName + "Client"
		b.declare("Channel"+ch.GoName, c.Pos, "channel "+c.Name+" constant")
		b.declare(ch.ViewGoName, c.Pos, "channel "+c.Name+" client view")
		b.pos[ch] = c.Pos
		api.Channels = append(api.Channels, ch)
	}
	b.channels = api.Channels
	// Declare named types first so fields can refer to them in any order.
	for _, t := range s.Types {
		switch t.Kind {
		case spec.KindStruct:
			st := &ir.Struct{Name: t.Name, GoName: ir.GoName(t.Name), Doc: lines(t.Doc), Source: t.Source}
			b.declare(st.GoName, t.Pos, "type "+t.Name)
			b.pos[st] = t.Pos
			b.claimAs(pkgScope, "read"+st.GoName, t.Pos, "type "+t.Name, "its reader function", "")
			b.claimAs(pkgScope, "read"+st.GoName+"Ptr", t.Pos, "type "+t.Name, "its pointer reader function", "")
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
			b.members(scope{ir.MainPackage, st.GoName}, "type "+t.Name, st.Fields, everyStruct)
		}
	}
	api.Session.GoName = b.goName("", s.Session.Field, b.sessionPos(), "session field")
	b.fieldPos[api.Session] = b.sessionPos()
	api.Envelope = b.fields("envelope", s.Envelope)
	// The session id and the envelope are fields of activities too: check
	// them once against each other and the methods every activity has.
	envelope := scope{ir.MainPackage, "<envelope>"}
	b.members(envelope, "session", []*ir.Field{api.Session}, everyActivity, sentActivity)
	b.members(envelope, "envelope", api.Envelope, everyActivity, sentActivity)
	b.activities(api)
	b.client(api)
	b.cards(api)
	return api
}

// atPos renders " at p" relative to here, or "" for an unknown p.
func atPos(p, here spec.Pos) string {
	if p.Line == 0 {
		return ""
	}
	return " at " + p.RelativeTo(here)
}

func (b *builder) sessionPos() spec.Pos {
	if p, ok := b.s.Session.Keys["field"]; ok {
		return p
	}
	return b.s.Session.Pos
}

// members claims the Go names of fields in the member scope of their type;
// kinds name the member sets (methods) every type of its kind has. A field
// without a position (the session id) is reported at pos of the owner.
func (b *builder) members(sc scope, owner string, fs []*ir.Field, kinds ...string) {
	for _, f := range fs {
		pos := b.fieldPos[f]
		if c, ok := b.names.claims[sc][f.GoName]; ok {
			if c.owner != owner { // a duplicate among owner's fields is reported by fields
				b.errs.Add(pos, "%s: field %q has Go name %s, like %s", owner, f.Wire, f.GoName, c.what+atPos(c.pos, pos))
			}
			continue
		}
		if o := b.names.owner(sc, f.GoName, kinds...); o != "" {
			b.errs.Add(pos, "%s: field %q: Go name %s clashes with the method %s %s has; set goName", owner, f.Wire, f.GoName, f.GoName, kindWhat[kindOf(b.names, sc, f.GoName, kinds)])
			continue
		}
		b.names.takeAs(sc, f.GoName, owner, "the "+owner+" field "+strconvQuote(f.Wire), pos)
	}
}

func (b *builder) enum(t *spec.Type) *ir.Enum {
	e := &ir.Enum{Name: t.Name, GoName: ir.GoName(t.Name), Flags: t.Kind == spec.KindFlags, Doc: lines(t.Doc), Source: t.Source}
	b.declare(e.GoName, t.Pos, "type "+t.Name)
	b.claimAs(pkgScope, "read"+e.GoName, t.Pos, "type "+t.Name, "its reader function", "")
	b.claimAs(pkgScope, enumNumbersVar(e), t.Pos, "type "+t.Name, "its table of numbers", "")
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

// kindWhat describes the member sets.
var kindWhat = map[string]string{
	everyActivity: "every activity", sentActivity: "every activity the bot sends",
	everyStruct: "every struct type",
}

// kindOf returns the member set of kinds that holds name.
func kindOf(n *names, sc scope, name string, kinds []string) string {
	for _, k := range kinds {
		if _, ok := n.reserved[scope{sc.pkg, k}][name]; ok {
			return k
		}
	}
	return ""
}

func (b *builder) fields(owner string, fs []*spec.Field) []*ir.Field {
	var out []*ir.Field
	seen := map[string]*spec.Field{}
	for _, f := range fs {
		goName := b.goName(f.GoName, f.Name, f.Pos, owner+": field "+strconvQuote(f.Name))
		if first := seen[goName]; first != nil {
			b.errs.Add(f.Pos, "%s: field %q has Go name %s, like field %q at %s", owner, f.Name, goName, first.Name, first.Pos.RelativeTo(f.Pos))
		}
		seen[goName] = f
		te, err := spec.ParseType(f.Type)
		if err != nil {
			continue // reported by Validate
		}
		fl := &ir.Field{
			Wire: f.Name, GoName: goName, Aliases: f.Aliases, Type: b.resolve(te),
			Optional: f.Optional, Nullable: f.Nullable, Doc: lines(f.Doc),
			Source: f.Source, Deprecated: f.Deprecated, Channels: b.cells(f.Channels, f.ChannelSource),
		}
		b.fieldPos[fl] = f.Pos
		out = append(out, fl)
	}
	return out
}

// cells turns a channel row (an activity's, or a field's partial one) into
// cells in channel order; row is the source of cells without their own.
func (b *builder) cells(row map[string]*spec.Cell, rowSource string) []*ir.Cell {
	var out []*ir.Cell
	for _, c := range b.channels {
		if cell := row[c.Name]; cell != nil {
			src := cell.Source
			if src == "" {
				src = rowSource
			}
			out = append(out, &ir.Cell{Channel: c, Support: supports[cell.Support], Source: src})
		}
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
	if k, ok := kind.Lookup(te.Name); ok {
		return &ir.Type{Kind: k}
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
