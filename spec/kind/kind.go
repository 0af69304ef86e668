// Package kind is the one table of the spec's type language: every builtin
// kind (string, bool, int32, …) with its spec name, and the composite and
// named kinds a type expression can resolve to ([]T, map[string]T, struct,
// enum, flags).
//
// It is a leaf package (standard library only) because three layers read it
// and none may import the others: package spec validates type names against
// it, generator/ir uses its Kind as ir.Kind (and must import neither yaml nor
// jennifer, so it cannot import spec), and the generator keys its Go-side
// columns — Go type, jsonReader/jsonWriter method, "is set" test — by the
// same constants (generator/gotypes.go, builtinGo). A test there checks that
// both tables cover exactly the same kinds, so a kind added here and
// forgotten there fails a test, not the generated build.
//
// The run-time schema (FieldInfo.TypeRef in the generated package) names a
// kind by Kind.String(): the spec name of a builtin, or list, map, struct,
// enum, flags.
package kind

// Kind is the kind of a resolved type.
type Kind int

// Kinds. The builtins come first, in the order of Builtins.
const (
	String Kind = iota + 1
	Bool
	Int32
	Int64
	Float64
	Time // timestamp: a date and time that keeps its original text
	UUID // a string holding a UUID
	Raw  // json: any JSON value, kept as its text

	List   // []Elem
	Map    // map[string]Elem
	Struct // a named struct type of the spec
	Enum   // a named open enum
	Flags  // a named flag set
)

// Builtin is one row of the table: a kind a spec names directly.
type Builtin struct {
	Kind Kind
	// Name is the kind's name in type expressions (and in the run-time
	// schema).
	Name string
	// Doc says what a value of the kind is, for docs and messages.
	Doc string
}

// builtins is the table. A new kind is one row here, one in the generator's
// builtinGo (generator/gotypes.go) and, for the fake mluvii, one in
// scalarKinds (templates/mluviitest/validate.go); tests fail until all three
// are there.
var builtins = []Builtin{
	{String, "string", "a JSON string"},
	{Bool, "bool", "true or false"},
	{Int32, "int32", "a 32-bit integer"},
	{Int64, "int64", "a 64-bit integer"},
	{Float64, "float64", "a JSON number"},
	{Time, "timestamp", "an ISO 8601 date and time, with or without offset"},
	{UUID, "uuid", "a UUID string"},
	{Raw, "json", "any JSON value, kept as its text"},
}

// composite names the kinds that are not builtins, as the run-time schema
// spells them. struct, enum and flags are also the spec's type kinds
// (spec.KindStruct, …).
var composite = map[Kind]string{List: "list", Map: "map", Struct: "struct", Enum: "enum", Flags: "flags"}

// Builtins returns the table, in order. The result is a copy.
func Builtins() []Builtin { return append([]Builtin(nil), builtins...) }

// Names returns the builtins' spec names, in order.
func Names() []string {
	out := make([]string, len(builtins))
	for i, b := range builtins {
		out[i] = b.Name
	}
	return out
}

// Lookup returns the builtin kind a spec name denotes.
func Lookup(name string) (Kind, bool) {
	for _, b := range builtins {
		if b.Name == name {
			return b.Kind, true
		}
	}
	return 0, false
}

// IsBuiltin reports whether k is a row of the table.
func (k Kind) IsBuiltin() bool {
	for _, b := range builtins {
		if b.Kind == k {
			return true
		}
	}
	return false
}

// String is the builtin's spec name, or list, map, struct, enum, flags.
func (k Kind) String() string {
	for _, b := range builtins {
		if b.Kind == k {
			return b.Name
		}
	}
	if s, ok := composite[k]; ok {
		return s
	}
	return "kind(?)"
}
