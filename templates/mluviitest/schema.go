package mluviitest

import (
	"fmt"
	"sort"
	"strings"
)

// The fake works from the spec as the generated package describes it at run
// time. schema_gen.go converts that description into the types below once, so
// the rest of the package depends on nothing spec-specific.

// actInfo is one activity of the spec.
type actInfo struct {
	name        string
	key         string // discriminator key written for this activity (Ping: Activity)
	role        string // request, response, event or message
	sent        bool   // the bot sends it to mluvii
	received    bool   // mluvii sends it to the bot
	hasSession  bool
	response    string // the activity answering this request
	channels    []cellInfo
	fields      []fieldInfo
	oneOf       [][]string
	matchKey    string // identifies the activity when it has no discriminator
	matchValues []string
	aliases     []string // other names the spec declares for it
}

// cellInfo is one channel-matrix cell: yes, no or unverified.
type cellInfo struct{ channel, support, source string }

// fieldInfo is one field with its parsed spec type.
type fieldInfo struct {
	name     string
	aliases  []string
	typ      *typeRef
	required bool
	nullable bool
	// channels narrows the activity's row when the field is set.
	channels []cellInfo
}

// typeRef is a parsed type expression, as the generated package's run-time
// schema carries it (TypeRef): the fake never parses type expressions.
type typeRef struct {
	kind string   // a builtin kind (scalarKinds), list, map, struct, enum or flags
	name string   // the named type of struct, enum and flags
	elem *typeRef // list and map
}

// String renders t as the spec's type expression, for messages.
func (t *typeRef) String() string {
	switch {
	case (t.kind == "list" || t.kind == "map") && t.elem != nil:
		prefix := "[]"
		if t.kind == "map" {
			prefix = "map[string]"
		}
		return prefix + t.elem.String()
	case t.name != "":
		return t.name
	}
	return t.kind
}

// is reports whether t is the builtin kind k.
func (t *typeRef) is(k string) bool { return t.name == "" && t.kind == k }

// typeInfo is a named type: struct, enum or flags.
type typeInfo struct {
	name, kind string
	fields     []fieldInfo
	values     []string
}

// channelInfo is a channel and the session sources that mean it.
type channelInfo struct {
	name    string
	sources []string
}

// schema is the whole spec, indexed.
type schema struct {
	discriminator string
	sessionKey    string
	envelope      []string // keys mluvii adds to every body it sends (language, source)
	channels      []channelInfo
	channelOf     func(source string) string

	acts   []*actInfo
	byName map[string]*actInfo
	byFold map[string]*actInfo
	types  map[string]*typeInfo

	// err reports a type the fake cannot check (set by index); NewServer
	// fails the test with it.
	err error
}

func (sc *schema) index() {
	sc.err = sc.checkKinds()
	sc.byName = map[string]*actInfo{}
	sc.byFold = map[string]*actInfo{}
	for _, a := range sc.acts {
		if a.key == "" {
			a.key = sc.discriminator
		}
		for _, n := range append([]string{a.name}, a.aliases...) {
			sc.byName[n] = a
			sc.byFold[strings.ToLower(n)] = a
		}
	}
}

// checkKinds reports the first field whose type has a kind the fake does not
// know (a builtin added to the generator's kind table but not to scalarKinds)
// or names a type the schema lacks. Without it such a field would pass any
// value unchecked.
func (sc *schema) checkKinds() error {
	var check func(owner string, f *fieldInfo, t *typeRef) error
	check = func(owner string, f *fieldInfo, t *typeRef) error {
		switch {
		case t == nil:
			return fmt.Errorf("mluviitest: %s.%s has no type", owner, f.name)
		case t.kind == "list" || t.kind == "map":
			if t.elem == nil {
				return fmt.Errorf("mluviitest: %s.%s: %s without an element type", owner, f.name, t.kind)
			}
			return check(owner, f, t.elem)
		case t.kind == "struct" || t.kind == "enum" || t.kind == "flags":
			if nt := sc.types[t.name]; nt == nil || nt.kind != t.kind {
				return fmt.Errorf("mluviitest: %s.%s: the schema has no %s %q", owner, f.name, t.kind, t.name)
			}
			return nil
		}
		if _, ok := scalarKinds[t.kind]; !ok {
			return fmt.Errorf("mluviitest: %s.%s has type kind %q, which the fake does not know how to check; add it to scalarKinds (templates/mluviitest/validate.go)", owner, f.name, t.kind)
		}
		return nil
	}
	fields := func(owner string, fs []fieldInfo) error {
		for i := range fs {
			if err := check(owner, &fs[i], fs[i].typ); err != nil {
				return err
			}
		}
		return nil
	}
	for _, a := range sc.acts {
		if err := fields(a.name, a.fields); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(sc.types) {
		if err := fields(name, sc.types[name].fields); err != nil {
			return err
		}
	}
	return nil
}

// activity returns the named activity.
func (sc *schema) activity(name string) *actInfo { return sc.byName[name] }

// channel returns the channel of that name, matched in any case.
func (sc *schema) channel(name string) (channelInfo, bool) {
	for _, c := range sc.channels {
		if strings.EqualFold(c.name, name) {
			return c, true
		}
	}
	return channelInfo{}, false
}

// channelNames lists the spec's channels for error messages.
func (sc *schema) channelNames() string {
	var names []string
	for _, c := range sc.channels {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}

// cell returns the activity's matrix cell for a channel; ok is false when the
// activity has no matrix row (no restriction).
func (a *actInfo) cell(channel string) (c cellInfo, ok bool) {
	if len(a.channels) == 0 {
		return cellInfo{}, false
	}
	for _, c := range a.channels {
		if c.channel == channel {
			return c, true
		}
	}
	return cellInfo{channel: channel, support: "unverified", source: "no cell for this channel in the spec"}, true
}

// field returns the field with this wire key or alias; fold reports that it
// matched only ignoring letter case.
func (a *actInfo) field(key string) (f *fieldInfo, fold bool) {
	return findField(a.fields, key)
}

func findField(fields []fieldInfo, key string) (*fieldInfo, bool) {
	for i := range fields {
		if fields[i].name == key || contains(fields[i].aliases, key) {
			return &fields[i], false
		}
	}
	for i := range fields {
		if strings.EqualFold(fields[i].name, key) {
			return &fields[i], true
		}
		for _, al := range fields[i].aliases {
			if strings.EqualFold(al, key) {
				return &fields[i], true
			}
		}
	}
	return nil, false
}

func fieldNames(fields []fieldInfo) string {
	if len(fields) == 0 {
		return "none"
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sortedKeys returns the keys of m in order, so messages are deterministic.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
