package spec

import (
	"fmt"
	"reflect"
	"strconv"
)

// An overlay names each node of a list once, as a spec must. Merge matches an
// overlay's nodes by name against what the merged spec already holds, which
// includes what the same overlay appended a moment before: without a check, a
// second declaration of SendSticker in one file would be merged onto the first,
// and its retry: safe would silently replace the first's retry: unsafe, where
// a base spec reports the same mistake. So before an overlay is merged, each
// repeat in it is reported, at its name and with the error a base spec gets
// for it, and left out: the first declaration is the one that counts (as a
// conflicting key keeps the value it had). Patching what an earlier file
// declared, the base or an earlier overlay, is what overlays are for.

// named is a node of a list whose entries are keyed by name.
type named interface {
	// nameAt returns the node's name and where it is: the name key, or the
	// node when it has none.
	nameAt() (string, Pos)
}

func (c *Channel) nameAt() (string, Pos)   { return c.Name, keyPos(c.Keys, "name", c.Pos) }
func (t *Type) nameAt() (string, Pos)      { return t.Name, keyPos(t.Keys, "name", t.Pos) }
func (v *EnumValue) nameAt() (string, Pos) { return v.Name, keyPos(v.Keys, "name", v.Pos) }
func (a *Activity) nameAt() (string, Pos)  { return a.Name, keyPos(a.Keys, "name", a.Pos) }
func (f *Field) nameAt() (string, Pos)     { return f.Name, keyPos(f.Keys, "name", f.Pos) }

func keyPos(keys map[string]Pos, key string, fallback Pos) Pos {
	if p, ok := keys[key]; ok {
		return p
	}
	return fallback
}

// unionItems names one item of each ruleUnion list, for the messages.
var unionItems = map[string]string{"aliases": "alias", "sources": "source", "oneOf": "oneOf group"}

// once reports and leaves out what the overlay o states twice: the entries of
// its lists keyed by name (sources by key, channels, types, enum values, activities, and the
// fields of the envelope, of a struct or of an activity) that repeat the name
// of an earlier entry of the same list, and the items of its union lists
// (aliases, sources, oneOf) that repeat an earlier item. It walks new nodes as
// well as patches: a repeat reads the same either way.
func (m *merger) once(o *Spec) {
	m.unionOnce("the spec", o)
	o.Sources = unique(o.Sources, func(key string, at, first Pos) {
		m.errs.Add(at, msgDuplicateSource, key, first.RelativeTo(at))
	})
	o.Envelope = m.fieldsOnce("envelope", "the envelope", o.Envelope)
	o.Channels = unique(o.Channels, func(name string, at, first Pos) {
		m.errs.Add(at, msgDuplicateChannel, name, first.RelativeTo(at))
	})
	for _, c := range o.Channels {
		m.unionOnce("channel "+c.Name, c)
	}
	o.Types = unique(o.Types, func(name string, at, first Pos) {
		m.errs.Add(at, msgDuplicateType, name, first.RelativeTo(at))
	})
	for _, t := range o.Types {
		what := "type " + t.Name
		m.unionOnce(what, t)
		t.Fields = m.fieldsOnce(what, what, t.Fields)
		t.Values = unique(t.Values, func(name string, at, first Pos) {
			m.errs.Add(at, msgDuplicateValue, name, t.Name, first.RelativeTo(at))
		})
		for _, v := range t.Values {
			m.unionOnce(fmt.Sprintf("value %q of %s", v.Name, what), v)
		}
	}
	o.Activities = unique(o.Activities, func(name string, at, first Pos) {
		m.errs.Add(at, msgDuplicateActivity, name, name, first.RelativeTo(at))
	})
	for _, a := range o.Activities {
		what := "activity " + a.Name
		m.unionOnce(what, a)
		a.Fields = m.fieldsOnce(what, what, a.Fields)
	}
}

// fieldsOnce is once for a field list: owner names it as Validate does, what
// as Merge does.
func (m *merger) fieldsOnce(owner, what string, fs []*Field) []*Field {
	fs = unique(fs, func(name string, at, first Pos) {
		m.errs.Add(at, msgCollidingKey, owner, name, name, first.RelativeTo(at))
	})
	for _, f := range fs {
		m.unionOnce(fmt.Sprintf("field %q of %s", f.Name, what), f)
	}
	return fs
}

// unique returns list without the entries that have the name of an earlier
// one, calling dup with the name and the positions of the repeat and the
// first for each. Entries without a name are all kept, for Validate to report.
func unique[T named](list []T, dup func(name string, at, first Pos)) []T {
	firsts := map[string]Pos{}
	kept := list[:0:0]
	for _, e := range list {
		name, at := e.nameAt()
		if first, seen := firsts[name]; seen && name != "" {
			dup(name, at, first)
			continue
		}
		firsts[name] = at
		kept = append(kept, e)
	}
	return kept
}

// unionOnce removes the items of node's ruleUnion lists that repeat an earlier
// item of the same list, reporting each repeated item once, at the list's key
// (items have no positions of their own).
func (m *merger) unionOnce(what string, node any) {
	v := reflect.ValueOf(node).Elem()
	keys := v.FieldByName("Keys").Interface().(map[string]Pos)
	rules := mergeRules[v.Type()]
	for _, key := range sortedKeys(rules) {
		list := v.Field(fieldIndex(v.Type(), key))
		if rules[key] != ruleUnion || list.Len() < 2 {
			continue
		}
		kept := reflect.MakeSlice(list.Type(), 0, list.Len())
		reported := reflect.MakeSlice(list.Type(), 0, 0)
		for i := range list.Len() {
			item := list.Index(i)
			if !containsValue(kept, item) {
				kept = reflect.Append(kept, item)
				continue
			}
			if !containsValue(reported, item) {
				reported = reflect.Append(reported, item)
				m.errs.Add(keyPos(keys, key, v.FieldByName("Pos").Interface().(Pos)), "duplicate %s %s in %s", unionItems[key], quoted(item), what)
			}
		}
		if kept.Len() < list.Len() {
			list.Set(kept)
		}
	}
}

// quoted renders a union list item: a string quoted, as the duplicate
// messages quote names, anything else as show does.
func quoted(v reflect.Value) string {
	if v.Kind() == reflect.String {
		return strconv.Quote(v.String())
	}
	return show(v)
}
