package specdiff

import (
	"slices"
	"strings"

	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
)

// fields compares the fields of one owner (an activity, a struct type or the
// envelope); keys match in any letter case, as mluvii matches them.
func (d *differ) fields(owner string, was, is []*spec.Field, on []Side) {
	find := func(fs []*spec.Field, name string) *spec.Field {
		i := slices.IndexFunc(fs, func(f *spec.Field) bool { return strings.EqualFold(f.Name, name) })
		if i < 0 {
			return nil
		}
		return fs[i]
	}
	for _, n := range is {
		o := find(was, n.Name)
		switch {
		case o == nil && n.Optional:
			d.add(FieldAdded, on, spec.Pos{}, n.Pos, "%s: field %s added (optional)", owner, n.Name)
		case o == nil:
			d.add(FieldAddedRequired, on, spec.Pos{}, n.Pos, "%s: field %s added (required)", owner, n.Name)
		default:
			d.field(owner+": field "+n.Name, o, n, on)
		}
	}
	for _, o := range was {
		if find(is, o.Name) == nil {
			d.add(FieldRemoved, on, o.Pos, spec.Pos{}, "%s: field %s removed", owner, o.Name)
		}
	}
}

func (d *differ) field(what string, o, n *spec.Field, on []Side) {
	pos := func(key string) (spec.Pos, spec.Pos) { return at(o.Keys, key, o.Pos), at(n.Keys, key, n.Pos) }
	ot, nt := normType(o.Type), normType(n.Type)
	if ot != nt {
		op, np := pos("type")
		d.add(FieldType, on, op, np, "%s: type %s → %s", what, ot, nt)
	}
	op, np := pos("optional")
	switch {
	case o.Optional && !n.Optional:
		d.add(FieldRequired, on, op, np, "%s: now required", what)
	case !o.Optional && n.Optional:
		d.add(FieldOptional, on, op, np, "%s: now optional", what)
	}
	op, np = pos("nullable")
	switch {
	case !o.Nullable && n.Nullable:
		d.add(FieldNullable, on, op, np, "%s: now nullable", what)
	case o.Nullable && !n.Nullable:
		d.add(FieldNotNullable, on, op, np, "%s: no longer nullable", what)
	}
	if ot == nt && d.pointer(d.old, o) != d.pointer(d.new, n) {
		star := map[bool]string{true: "*", false: ""}
		d.add(FieldPointer, on, o.Pos, n.Pos, "%s: Go type %s%s → %s%s", what, star[d.pointer(d.old, o)], nt, star[d.pointer(d.new, n)], nt)
	}
	if g1, g2 := fieldGoName(o), fieldGoName(n); g1 != g2 {
		op, np := pos("goName")
		d.add(FieldGoName, on, op, np, "%s: Go name %s → %s", what, g1, g2)
	}
	op, np = pos("aliases")
	d.stringSet(FieldAliasAdded, FieldAliasRemoved, on, o.Aliases, n.Aliases, op, np, what+": key alias %s")
	d.row(o.Channels, n.Channels, true, what, on, [3]Kind{FieldCellLost, FieldCellWeakened, FieldCellGained})
}

// pointer mirrors the generator: a field of a named struct type that may be
// absent or null is a pointer.
func (d *differ) pointer(s *spec.Spec, f *spec.Field) bool {
	t := findType(s, normType(f.Type))
	return t != nil && t.Kind == spec.KindStruct && (f.Optional || f.Nullable)
}

func normType(t string) string { return strings.Join(strings.Fields(t), "") }

func fieldGoName(f *spec.Field) string {
	if f.GoName != "" {
		return f.GoName
	}
	return ir.GoName(f.Name)
}
