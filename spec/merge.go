package spec

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// An overlay is a spec file in the same format, usually partial, that extends a
// base spec without copying it. Merge applies it node by node: an activity,
// type, field, enum value or channel whose name the base does not have is
// appended (in overlay order, after the base's); one the base has is merged key
// by key according to mergeRules. An overlay names each node once (once.go).
// Everything keeps the position of the file it came from, so the merged
// spec's errors point into the right file.

// mergeRule says what an overlay may do with one key of a node the base has.
type mergeRule int

const (
	// ruleName identifies the node; it is how base and overlay nodes meet.
	ruleName mergeRule = iota
	// rulePatch: the overlay's value replaces the base's. Documentation, and
	// judgements that new evidence revises (retry safety, channel cells).
	rulePatch
	// ruleSet: the overlay may state what the base leaves unsaid; contradicting
	// a value the base states is a conflict. Wire shape and Go names: quietly
	// changing them under code written against the base is what overlays must
	// not do (a spec of one's own is the way to do that).
	ruleSet
	// ruleUnion: list items the base lacks are appended (aliases, sources).
	ruleUnion
	// ruleNested: merged item by item by the node's own merge function.
	ruleNested
)

// mergeRules has one entry per YAML key of every mergeable node type; a test
// checks that no key is missing.
var mergeRules = map[reflect.Type]map[string]mergeRule{
	reflect.TypeFor[Spec](): {
		"name": rulePatch, "doc": rulePatch, "docs": rulePatch, "sources": ruleNested,
		"discriminator": ruleNested, "session": ruleNested, "envelope": ruleNested,
		"channels": ruleNested, "types": ruleNested, "activities": ruleNested,
	},
	// What a source key means may be stated, not changed: the base's
	// citations of it would silently come to mean another document.
	reflect.TypeFor[Reference]():     {"key": ruleName, "title": ruleSet, "url": ruleSet},
	reflect.TypeFor[Discriminator](): {"key": ruleSet, "foldCase": ruleSet, "doc": rulePatch},
	reflect.TypeFor[Session]():       {"field": ruleSet, "doc": rulePatch},
	reflect.TypeFor[Channel]():       {"name": ruleName, "sources": ruleUnion, "doc": rulePatch},
	reflect.TypeFor[Type](): {
		"name": ruleName, "kind": ruleSet, "flag": ruleSet, "doc": rulePatch, "source": rulePatch,
		"fields": ruleNested, "values": ruleNested,
	},
	reflect.TypeFor[EnumValue](): {"name": ruleName, "number": ruleSet, "doc": rulePatch, "source": rulePatch},
	reflect.TypeFor[Activity](): {
		"name": ruleName, "goName": ruleSet, "direction": ruleSet, "role": ruleSet,
		"doc": rulePatch, "docs": rulePatch, "source": rulePatch, "deprecated": rulePatch,
		"aliases": ruleUnion, "discriminatorKey": ruleSet, "match": ruleSet, "session": ruleSet,
		"keyAliases": ruleNested, "response": ruleSet, "retry": rulePatch, "endsSession": rulePatch,
		// A patch's channelSource is the source of the cells it patches, or,
		// when it patches none, the row's new source.
		"channels": ruleNested, "channelSource": ruleNested,
		"oneOf": ruleUnion, "fields": ruleNested,
	},
	reflect.TypeFor[Field](): {
		"name": ruleName, "goName": ruleSet, "type": ruleSet, "optional": ruleSet, "nullable": ruleSet,
		"aliases": ruleUnion, "doc": rulePatch, "source": rulePatch, "deprecated": rulePatch,
		"channels": ruleNested, "channelSource": ruleNested,
	},
}

// Merge returns a copy of base with the overlays applied in order. Conflicts
// (an overlay contradicting what the base, or an earlier overlay, states) and
// repeats (an overlay naming a node twice, see once.go) come back all at once
// as an ErrorList positioned in the overlay, each naming the place it
// contradicts or repeats. The result is not validated; Validate it
// (LoadOverlaid does both).
func Merge(base *Spec, overlays ...*Spec) (*Spec, error) {
	out, err := merge(base, overlays...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// merge is Merge, but returns the merged spec even when there are conflicts:
// a conflicting key keeps the value it had, so the result can still be
// validated for the problems the conflicts do not explain.
func merge(base *Spec, overlays ...*Spec) (*Spec, error) {
	out := base.Clone()
	m := &merger{errs: new(ErrorList)}
	for _, o := range overlays {
		o = o.Clone()
		m.once(o)
		m.spec(out, o)
	}
	return out, m.errs.Err()
}

type merger struct{ errs *ErrorList }

func (m *merger) spec(dst, src *Spec) {
	for _, key := range m.keys("the spec", dst, src) {
		switch key {
		case "sources":
			dst.Sources = byName(dst.Sources, src.Sources, func(d, s *Reference) { m.keys("source "+d.Key, d, s) })
		case "discriminator":
			m.keys("discriminator", &dst.Discriminator, &src.Discriminator)
		case "session":
			m.keys("session", &dst.Session, &src.Session)
		case "envelope":
			dst.Envelope = m.fields("the envelope", dst.Envelope, src.Envelope)
		case "channels":
			dst.Channels = byName(dst.Channels, src.Channels, func(d, s *Channel) { m.keys("channel "+d.Name, d, s) })
		case "types":
			dst.Types = byName(dst.Types, src.Types, m.typ)
		case "activities":
			dst.Activities = byName(dst.Activities, src.Activities, m.activity)
		}
	}
}

func (m *merger) typ(dst, src *Type) {
	what := "type " + dst.Name
	for _, key := range m.keys(what, dst, src) {
		switch key {
		case "fields":
			dst.Fields = m.fields(what, dst.Fields, src.Fields)
		case "values":
			dst.Values = byName(dst.Values, src.Values, func(d, s *EnumValue) { m.keys(fmt.Sprintf("value %q of %s", d.Name, what), d, s) })
		}
	}
}

func (m *merger) fields(owner string, dst, src []*Field) []*Field {
	return byName(dst, src, func(d, s *Field) {
		what := fmt.Sprintf("field %q of %s", d.Name, owner)
		nested := m.keys(what, d, s)
		for _, key := range nested {
			switch key {
			case "channels":
				m.cells(what, &d.Channels, &d.Keys, s.Channels, s.Keys, s.ChannelSource)
			case "channelSource":
				if !slices.Contains(nested, "channels") {
					d.ChannelSource = s.ChannelSource
					setKey(&d.Keys, "channelSource", s.Keys["channelSource"])
				}
			}
		}
	})
}

func (m *merger) activity(dst, src *Activity) {
	what := "activity " + dst.Name
	nested := m.keys(what, dst, src)
	for _, key := range nested {
		switch key {
		case "fields":
			dst.Fields = m.fields(what, dst.Fields, src.Fields)
		case "keyAliases":
			m.keyAliases(what, dst, src)
		case "channels":
			m.cells(what, &dst.Channels, &dst.Keys, src.Channels, src.Keys, src.ChannelSource)
		case "channelSource":
			if !slices.Contains(nested, "channels") {
				dst.ChannelSource = src.ChannelSource
				setKey(&dst.Keys, "channelSource", src.Keys["channelSource"])
			}
		}
	}
}

// cells patches a matrix row cell by cell. A patched cell must say where its
// support value comes from (its source or the patch's channelSource): the
// base row's source does not vouch for it.
func (m *merger) cells(what string, dst *map[string]*Cell, dstKeys *map[string]Pos, src map[string]*Cell, srcKeys map[string]Pos, srcSource string) {
	if *dst == nil {
		*dst = map[string]*Cell{}
		setKey(dstKeys, "channels", srcKeys["channels"])
	}
	for _, name := range sortedKeys(src) {
		cell := src[name]
		if cell.Source == "" {
			cell.Source = srcSource
		}
		if cell.Source == "" {
			m.errs.Add(cell.Pos, "%s: channel %s: a patched cell needs a source (give the cell one, or set channelSource in the overlay)", what, name)
			continue // the cell keeps what it was
		}
		(*dst)[name] = cell
	}
}

func (m *merger) keyAliases(what string, dst, src *Activity) {
	if dst.KeyAliases == nil {
		dst.KeyAliases = map[string]string{}
	}
	for _, alias := range sortedKeys(src.KeyAliases) {
		target := src.KeyAliases[alias]
		if old, ok := dst.KeyAliases[alias]; ok && old != target {
			here := src.Keys["keyAliases"]
			m.errs.Add(here, "key alias %q of %s already defined at %s for %s, not %s", alias, what, dst.Keys["keyAliases"].RelativeTo(here), old, target)
			continue
		}
		dst.KeyAliases[alias] = target
	}
	if _, ok := dst.Keys["keyAliases"]; !ok {
		setKey(&dst.Keys, "keyAliases", src.Keys["keyAliases"])
	}
}

// byName merges overlay items into base items with the same name and appends
// the others (src names each once, see once). An item without a name is
// appended too: it patches nothing, and Validate reports each.
func byName[T named](dst, src []T, merge func(dst, src T)) []T {
	for _, s := range src {
		name, _ := s.nameAt()
		i := slices.IndexFunc(dst, func(d T) bool { n, _ := d.nameAt(); return n == name })
		if i < 0 || name == "" {
			dst = append(dst, s)
			continue
		}
		merge(dst[i], s)
	}
	return dst
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func setKey(keys *map[string]Pos, key string, pos Pos) {
	if *keys == nil {
		*keys = map[string]Pos{}
	}
	(*keys)[key] = pos
}

// keys applies mergeRules to the keys the overlay node src states, merging them
// into dst, the base node of the same name (both pointers to the same struct
// type). It returns the ruleNested keys src states, for the caller to merge.
func (m *merger) keys(what string, dst, src any) []string {
	dv, sv := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	rules := mergeRules[dv.Type()]
	dstKeys := dv.FieldByName("Keys").Addr().Interface().(*map[string]Pos)
	srcKeys := sv.FieldByName("Keys").Interface().(map[string]Pos)
	var nested []string
	for _, key := range sortedKeys(srcKeys) {
		here := srcKeys[key]
		rule, ok := rules[key]
		if !ok {
			// A key the format does not have: the parser reported it, with a
			// did-you-mean; there is nothing to merge. (TestMergeRulesComplete
			// checks that every key the format has is given a rule.)
			continue
		}
		d, s := dv.Field(fieldIndex(dv.Type(), key)), sv.Field(fieldIndex(dv.Type(), key))
		switch rule {
		case rulePatch:
			d.Set(s)
			setKey(dstKeys, key, here)
		case ruleSet:
			if at, stated := (*dstKeys)[key]; stated && show(d) != show(s) {
				m.errs.Add(here, "%s already defined at %s with %s %s, not %s", what, at.RelativeTo(here), key, show(d), show(s))
				continue
			}
			d.Set(s)
			setKey(dstKeys, key, here)
		case ruleUnion:
			for i := range s.Len() {
				if !containsValue(d, s.Index(i)) {
					d.Set(reflect.Append(d, s.Index(i)))
				}
			}
			if _, stated := (*dstKeys)[key]; !stated {
				setKey(dstKeys, key, here)
			}
		case ruleNested:
			nested = append(nested, key)
		}
	}
	return nested
}

func containsValue(list, v reflect.Value) bool {
	for i := range list.Len() {
		if show(list.Index(i)) == show(v) {
			return true
		}
	}
	return false
}

// fieldIndex finds the struct field of a YAML key.
func fieldIndex(t reflect.Type, key string) int {
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag == key {
			return i
		}
	}
	panic(fmt.Sprintf("spec: %s has no key %q", t.Name(), key))
}

// show renders a value for a conflict message, in YAML flow style, leaving
// out positions.
func show(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return "(none)"
		}
		return show(v.Elem())
	case reflect.String:
		if v.String() == "" {
			return `""`
		}
		return v.String()
	case reflect.Slice:
		items := make([]string, v.Len())
		for i := range items {
			items[i] = show(v.Index(i))
		}
		return "[" + strings.Join(items, ", ") + "]"
	case reflect.Struct:
		var items []string
		for i := range v.NumField() {
			tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
			if tag != "" && tag != "-" && !v.Field(i).IsZero() {
				items = append(items, tag+": "+show(v.Field(i)))
			}
		}
		return "{" + strings.Join(items, ", ") + "}"
	}
	return fmt.Sprint(v.Interface())
}
