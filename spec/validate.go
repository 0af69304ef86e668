package spec

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/mluviigen/mluviigen/spec/kind"
)

// Builtins are the builtin type names of the type expression language, in
// the order of the kind table (spec/kind).
var Builtins = kind.Names()

// TypeExpr is a parsed type expression: a builtin or named type, []Elem, or
// map[string]Elem.
type TypeExpr struct {
	Name string    // builtin or named type; empty for lists and maps
	List *TypeExpr // element of []T
	Map  *TypeExpr // value of map[string]T
}

// ParseType parses a type expression.
func ParseType(s string) (*TypeExpr, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, fmt.Errorf("empty type")
	case strings.HasPrefix(s, "[]"):
		elem, err := ParseType(s[2:])
		if err != nil {
			return nil, err
		}
		return &TypeExpr{List: elem}, nil
	case strings.HasPrefix(s, "map["):
		key, rest, ok := strings.Cut(s[4:], "]")
		if !ok || key != "string" {
			return nil, fmt.Errorf("type %q: maps must be map[string]T", s)
		}
		elem, err := ParseType(rest)
		if err != nil {
			return nil, err
		}
		return &TypeExpr{Map: elem}, nil
	case !identRE.MatchString(s):
		return nil, fmt.Errorf("type %q is not a type expression (builtin, Name, []T or map[string]T)", s)
	}
	return &TypeExpr{Name: s}, nil
}

// Named returns the named or builtin type at the bottom of the expression.
func (t *TypeExpr) Named() string {
	for t.Name == "" {
		if t.List != nil {
			t = t.List
		} else {
			t = t.Map
		}
	}
	return t.Name
}

var (
	identRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	wireRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_\-]*$`)
)

// The problems of a name given twice in one list. Validate reports them in a
// spec, Merge in an overlay (see once.go): the same mistake reads the same in
// either file.
const (
	msgDuplicateType     = "duplicate type %q (first defined at %s)"
	msgDuplicateChannel  = "duplicate channel %q (first defined at %s)"
	msgDuplicateActivity = "duplicate activity name %q (also %q at %s; names match in any letter case)"
	msgDuplicateValue    = "duplicate value %q in %s (first at %s)"
	msgCollidingKey      = "%s: key %q collides with field %q (first at %s; keys match in any letter case)"
)

// Validate checks the whole spec and returns every problem as an ErrorList.
func (s *Spec) Validate() error {
	v := &validator{s: s, errs: new(ErrorList)}
	v.run()
	v.sources()
	return v.errs.Err()
}

type validator struct {
	s        *Spec
	errs     *ErrorList
	types    map[string]*Type
	acts     map[string]*Activity // by lower-case discriminator value (names and aliases)
	named    map[string]bool      // lower-case names some activity gives as its response
	channels map[string]*Channel
}

func (v *validator) at(keys map[string]Pos, key string, fallback Pos) Pos {
	if p, ok := keys[key]; ok {
		return p
	}
	return fallback
}

func (v *validator) run() {
	s := v.s
	if !identRE.MatchString(s.Name) {
		v.errs.Add(v.at(s.Keys, "name", s.Pos), "name %q must be a Go-identifier-like word", s.Name)
	}
	if s.Discriminator.Key == "" {
		v.errs.Add(v.at(s.Keys, "discriminator", s.Pos), "discriminator.key is required")
	}
	if s.Session.Field == "" {
		v.errs.Add(v.at(s.Keys, "session", s.Pos), "session.field is required")
	}
	v.collectTypes()
	v.collectChannels()
	v.collectActivities()
	reserved := map[string]Pos{}
	if s.Session.Field != "" {
		reserved[strings.ToLower(s.Session.Field)] = s.Session.Pos
	}
	v.fields("envelope", s.Envelope, nil)
	for _, f := range s.Envelope {
		reserved[strings.ToLower(f.Name)] = f.Pos
	}
	for _, t := range s.Types {
		v.validateType(t)
	}
	v.structCycles()
	for _, a := range s.Activities {
		v.validateActivity(a, reserved)
	}
}

func (v *validator) collectTypes() {
	v.types = map[string]*Type{}
	for _, t := range v.s.Types {
		_, builtin := kind.Lookup(t.Name)
		switch {
		case !identRE.MatchString(t.Name):
			v.errs.Add(t.Pos, "type name %q is not an identifier", t.Name)
		case builtin:
			v.errs.Add(t.Pos, "type %q shadows a builtin type", t.Name)
		case v.types[t.Name] != nil:
			first := v.types[t.Name].Pos
			v.errs.Add(t.Pos, msgDuplicateType, t.Name, first.RelativeTo(t.Pos))
		default:
			v.types[t.Name] = t
		}
	}
}

func (v *validator) collectChannels() {
	v.channels = map[string]*Channel{}
	sources := map[string]string{}
	for _, c := range v.s.Channels {
		if !identRE.MatchString(c.Name) {
			v.errs.Add(c.Pos, "channel name %q is not an identifier", c.Name)
			continue
		}
		if first := v.channels[c.Name]; first != nil {
			v.errs.Add(c.Pos, msgDuplicateChannel, c.Name, first.Pos.RelativeTo(c.Pos))
			continue
		}
		v.channels[c.Name] = c
		for _, src := range c.Sources {
			if other, dup := sources[src]; dup {
				v.errs.Add(v.at(c.Keys, "sources", c.Pos), "source %q already belongs to channel %q", src, other)
			}
			sources[src] = c.Name
		}
	}
}

func (v *validator) collectActivities() {
	v.acts = map[string]*Activity{}
	v.named = map[string]bool{}
	claim := func(a *Activity, name string, pos Pos) {
		key := strings.ToLower(name)
		if first := v.acts[key]; first != nil {
			v.errs.Add(pos, msgDuplicateActivity, name, first.Name, first.Pos.RelativeTo(pos))
			return
		}
		v.acts[key] = a
	}
	for _, a := range v.s.Activities {
		if !identRE.MatchString(a.Name) {
			v.errs.Add(v.at(a.Keys, "name", a.Pos), "activity name %q is not an identifier", a.Name)
			continue
		}
		claim(a, a.Name, a.Pos)
		if a.Response != "" {
			// Any role counts: a response named by a non-request already has
			// its error there, and one spelt in another case has its own.
			v.named[strings.ToLower(a.Response)] = true
		}
		for _, alias := range a.Aliases {
			claim(a, alias, v.at(a.Keys, "aliases", a.Pos))
		}
	}
}

func (v *validator) validateType(t *Type) {
	switch t.Kind {
	case KindStruct:
		if len(t.Fields) == 0 {
			v.errs.Add(t.Pos, "struct %q has no fields", t.Name)
		}
		if len(t.Values) > 0 || t.Flag != "" {
			v.errs.Add(t.Pos, "struct %q cannot have values or flag", t.Name)
		}
		v.fields("type "+t.Name, t.Fields, nil)
	case KindEnum, KindFlags:
		if len(t.Fields) > 0 {
			v.errs.Add(v.at(t.Keys, "fields", t.Pos), "%s %q cannot have fields", t.Kind, t.Name)
		}
		v.enumValues(t)
	default:
		v.errs.Add(v.at(t.Keys, "kind", t.Pos), "type %q: kind %q must be one of struct, enum, flags", t.Name, t.Kind)
	}
}

func (v *validator) enumValues(t *Type) {
	if len(t.Values) == 0 {
		v.errs.Add(t.Pos, "%s %q has no values", t.Kind, t.Name)
	}
	if t.Kind == KindFlags {
		switch {
		case t.Flag == "":
			v.errs.Add(t.Pos, "flags %q needs flag: the name of one flag's type", t.Name)
		case v.types[t.Flag] != nil || t.Flag == t.Name:
			v.errs.Add(v.at(t.Keys, "flag", t.Pos), "flag type name %q is already taken", t.Flag)
		}
	} else if t.Flag != "" {
		v.errs.Add(v.at(t.Keys, "flag", t.Pos), "only flags types have flag")
	}
	names := map[string]*EnumValue{}
	numbers := map[int64]*EnumValue{}
	for _, ev := range t.Values {
		if !wireRE.MatchString(ev.Name) {
			v.errs.Add(ev.Pos, "enum value %q is not a plain word", ev.Name)
		}
		if first := names[strings.ToLower(ev.Name)]; first != nil {
			v.errs.Add(ev.Pos, msgDuplicateValue, ev.Name, t.Name, first.Pos.RelativeTo(ev.Pos))
		}
		names[strings.ToLower(ev.Name)] = ev
		if ev.Number == nil {
			if t.Kind == KindFlags {
				v.errs.Add(ev.Pos, "flag %q needs a number", ev.Name)
			}
			continue
		}
		n := *ev.Number
		if first := numbers[n]; first != nil {
			v.errs.Add(v.at(ev.Keys, "number", ev.Pos), "number %d of %q is already used by %q", n, ev.Name, first.Name)
		}
		numbers[n] = ev
		if t.Kind == KindFlags && (n < 0 || n&(n-1) != 0) {
			v.errs.Add(v.at(ev.Keys, "number", ev.Pos), "flag %q: number %d is not 0 or a power of two", ev.Name, n)
		}
	}
}

// fields checks a field list; reserved holds wire keys the fields may not reuse.
func (v *validator) fields(owner string, fs []*Field, reserved map[string]Pos) map[string]*Field {
	byKey := map[string]*Field{}
	for _, f := range fs {
		if !wireRE.MatchString(f.Name) {
			v.errs.Add(v.at(f.Keys, "name", f.Pos), "%s: field name %q is not a plain key", owner, f.Name)
			continue
		}
		for i, key := range append([]string{f.Name}, f.Aliases...) {
			lk, pos := strings.ToLower(key), f.Pos
			if i > 0 {
				pos = v.at(f.Keys, "aliases", f.Pos) // an overlay may have added it
			}
			if first := byKey[lk]; first != nil {
				v.errs.Add(pos, msgCollidingKey, owner, key, first.Name, first.Pos.RelativeTo(pos))
				continue
			}
			if p, ok := reserved[lk]; ok {
				v.errs.Add(pos, "%s: key %q collides with the envelope field at %s", owner, key, p.RelativeTo(pos))
				continue
			}
			byKey[lk] = f
		}
		if f.GoName != "" && !identRE.MatchString(f.GoName) {
			v.errs.Add(v.at(f.Keys, "goName", f.Pos), "%s: goName %q is not an identifier", owner, f.GoName)
		}
		v.typeRef(f)
		v.fieldCells(owner, f)
	}
	return byKey
}

// fieldCells checks a field's channel cells: known channels, valid support
// values, a source for each. Unlike an activity's row it may be partial.
func (v *validator) fieldCells(owner string, f *Field) {
	names := make([]string, 0, len(f.Channels))
	for name := range f.Channels {
		names = append(names, name)
	}
	sort.Strings(names)
	var declared []string
	for _, c := range v.s.Channels {
		declared = append(declared, c.Name)
	}
	for _, name := range names {
		cell := f.Channels[name]
		switch {
		case v.channels[name] == nil:
			v.errs.Add(cell.Pos, "%s: field %s: unknown channel %q%s", owner, f.Name, name, didYouMean(name, declared))
			continue
		case cell.Support != SupportYes && cell.Support != SupportNo && cell.Support != SupportUnverified:
			v.errs.Add(cell.Pos, "%s: field %s: channel %s: %q must be yes, no or unverified", owner, f.Name, name, cell.Support)
		}
		if cell.Source == "" && f.ChannelSource == "" {
			v.errs.Add(cell.Pos, "%s: field %s: channel %s has no source (set channelSource or the cell's source)", owner, f.Name, name)
		}
	}
}

func (v *validator) typeRef(f *Field) {
	pos := v.at(f.Keys, "type", f.Pos)
	if f.Type == "" {
		v.errs.Add(f.Pos, "field %q has no type", f.Name)
		return
	}
	te, err := ParseType(f.Type)
	if err != nil {
		v.errs.Add(pos, "%v", err)
		return
	}
	name := te.Named()
	if _, builtin := kind.Lookup(name); builtin || v.types[name] != nil {
		return
	}
	known := kind.Names()
	for _, t := range v.s.Types {
		known = append(known, t.Name)
	}
	v.errs.Add(pos, "unknown type %q%s", name, didYouMean(name, known))
}

// structCycles reports structs that contain themselves by value: through
// fields that are required, not nullable and of a struct type (a pointer in
// Go only when optional or nullable), directly or via other structs. A JSON
// value of such a type would be infinite, and Go rejects the type.
func (v *validator) structCycles() {
	const onPath, done = 1, 2
	state := map[*Type]int{}
	var path []string
	var visit func(t *Type)
	visit = func(t *Type) {
		state[t] = onPath
		path = append(path, t.Name)
		for _, f := range t.Fields {
			next := v.byValueStruct(f)
			switch {
			case next == nil:
			case state[next] == onPath:
				cycle := append(slices.Clone(path[slices.Index(path, next.Name):]), next.Name)
				v.errs.Add(v.at(f.Keys, "type", f.Pos), "type %s: field %q contains %s by value (%s); make a field of the cycle optional, nullable or a list",
					t.Name, f.Name, next.Name, strings.Join(cycle, " → "))
			case state[next] == 0:
				visit(next)
			}
		}
		path = path[:len(path)-1]
		state[t] = done
	}
	for _, t := range v.s.Types {
		if t.Kind == KindStruct && state[t] == 0 && v.types[t.Name] == t {
			visit(t)
		}
	}
}

// byValueStruct is the struct type f holds by value, or nil.
func (v *validator) byValueStruct(f *Field) *Type {
	if f.Optional || f.Nullable {
		return nil
	}
	te, err := ParseType(f.Type)
	if err != nil || te.Name == "" {
		return nil
	}
	if t := v.types[te.Name]; t != nil && t.Kind == KindStruct {
		return t
	}
	return nil
}
