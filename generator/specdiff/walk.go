package specdiff

import (
	"slices"
	"strconv"
	"strings"

	"github.com/mluviigen/mluviigen/spec"
)

// at is the position of key in a node, or the node's own.
func at(keys map[string]spec.Pos, key string, node spec.Pos) spec.Pos {
	if p, ok := keys[key]; ok {
		return p
	}
	return node
}

// frame compares what every body shares: the discriminator and session keys.
func (d *differ) frame() {
	o, n := d.old, d.new
	if !strings.EqualFold(o.Discriminator.Key, n.Discriminator.Key) {
		d.add(DiscriminatorKey, sides, o.Discriminator.Pos, n.Discriminator.Pos, "discriminator key %s → %s", o.Discriminator.Key, n.Discriminator.Key)
	}
	switch {
	case !o.Discriminator.FoldCase && n.Discriminator.FoldCase:
		d.add(FoldCaseGained, sides, o.Discriminator.Pos, n.Discriminator.Pos, "activity names now match in any letter case")
	case o.Discriminator.FoldCase && !n.Discriminator.FoldCase:
		d.add(FoldCaseLost, sides, o.Discriminator.Pos, n.Discriminator.Pos, "activity names no longer match in any letter case")
	}
	if !strings.EqualFold(o.Session.Field, n.Session.Field) {
		d.add(SessionField, sides, o.Session.Pos, n.Session.Pos, "session id key %s → %s", o.Session.Field, n.Session.Field)
	}
}

func (d *differ) channels() {
	for _, n := range d.new.Channels {
		i := slices.IndexFunc(d.old.Channels, func(o *spec.Channel) bool { return o.Name == n.Name })
		if i < 0 {
			d.add(ChannelAdded, sides, spec.Pos{}, n.Pos, "channel %s added", n.Name)
			continue
		}
		if o := d.old.Channels[i]; !slices.Equal(o.Sources, n.Sources) {
			d.add(ChannelSources, sides, o.Pos, n.Pos, "channel %s: sources [%s] → [%s]", n.Name, strings.Join(o.Sources, ", "), strings.Join(n.Sources, ", "))
		}
	}
	for _, o := range d.old.Channels {
		if !slices.ContainsFunc(d.new.Channels, func(n *spec.Channel) bool { return n.Name == o.Name }) {
			d.add(ChannelRemoved, sides, o.Pos, spec.Pos{}, "channel %s removed", o.Name)
		}
	}
}

func (d *differ) types() {
	for _, n := range d.new.Types {
		o := findType(d.old, n.Name)
		use := union(d.newUse[n.Name], d.oldUse[n.Name])
		switch {
		case o == nil:
			d.add(TypeAdded, use, spec.Pos{}, n.Pos, "type %s added", n.Name)
		case o.Kind != n.Kind:
			d.add(TypeKind, use, o.Pos, n.Pos, "type %s: kind %s → %s", n.Name, o.Kind, n.Kind)
		default:
			d.typ(o, n, use)
		}
	}
	for _, o := range d.old.Types {
		if findType(d.new, o.Name) == nil {
			d.add(TypeRemoved, d.oldUse[o.Name], o.Pos, spec.Pos{}, "type %s removed", o.Name)
		}
	}
}

func (d *differ) typ(o, n *spec.Type, use []Side) {
	what := "type " + n.Name
	if o.Flag != n.Flag {
		d.add(TypeGoName, use, o.Pos, at(n.Keys, "flag", n.Pos), "%s: flag type %s → %s", what, o.Flag, n.Flag)
	}
	var fieldSides []Side // a struct's fields are struct fields on the send side
	for _, s := range use {
		if s == Send {
			s = SendType
		}
		fieldSides = union(fieldSides, []Side{s})
	}
	d.fields(what, o.Fields, n.Fields, fieldSides)
	for _, nv := range n.Values {
		i := slices.IndexFunc(o.Values, func(ov *spec.EnumValue) bool { return strings.EqualFold(ov.Name, nv.Name) })
		if i < 0 {
			d.add(ValueAdded, use, spec.Pos{}, nv.Pos, "%s: value %s added", what, nv.Name)
			continue
		}
		if ov := o.Values[i]; number(ov) != number(nv) {
			d.add(ValueNumber, use, ov.Pos, nv.Pos, "%s: value %s: number %s → %s", what, nv.Name, number(ov), number(nv))
		}
	}
	for _, ov := range o.Values {
		if !slices.ContainsFunc(n.Values, func(nv *spec.EnumValue) bool { return strings.EqualFold(ov.Name, nv.Name) }) {
			d.add(ValueRemoved, use, ov.Pos, spec.Pos{}, "%s: value %s removed", what, ov.Name)
		}
	}
}

func number(v *spec.EnumValue) string {
	if v.Number == nil {
		return "none"
	}
	return strconv.FormatInt(*v.Number, 10)
}

func findType(s *spec.Spec, name string) *spec.Type {
	for _, t := range s.Types {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// union adds to a the sides of b it lacks, in the canonical order.
func union(a, b []Side) []Side {
	var out []Side
	for _, s := range sides {
		if slices.Contains(a, s) || slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// typeUse finds the sides each named type occurs on, through struct fields.
func typeUse(s *spec.Spec) map[string][]Side {
	use := map[string][]Side{}
	var visit func(typ string, side Side)
	visit = func(typ string, side Side) {
		te, err := spec.ParseType(typ)
		if err != nil {
			return
		}
		name := te.Named()
		if slices.Contains(use[name], side) {
			return
		}
		use[name] = union(use[name], []Side{side})
		if t := findType(s, name); t != nil {
			for _, f := range t.Fields {
				visit(f.Type, side)
			}
		}
	}
	for _, a := range s.Activities {
		for _, side := range activitySides(a) {
			for _, f := range a.Fields {
				visit(f.Type, side)
			}
		}
	}
	for _, f := range s.Envelope {
		visit(f.Type, Receive)
	}
	return use
}

// activitySides are the sides an activity travels on.
func activitySides(a *spec.Activity) []Side {
	switch a.Direction {
	case spec.ToMluvii:
		return []Side{Send}
	case spec.FromMluvii:
		return []Side{Receive}
	}
	return []Side{Send, Receive}
}
