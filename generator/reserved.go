package generator

import (
	"sort"
	"sync"

	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
	"github.com/mluviigen/mluviigen/templates"
)

// This file holds the one reserved set: every Go name the output declares
// whatever the spec says. It is the union of what the runtime files declare
// (parsed from templates/runtime and templates/mluviitest: package-level
// names and the methods and fields of their types) and emitterNames, the
// fixed names of the emitters. Build claims every spec-driven name against it
// (see builder.claim); TestDeclaredNamesAreClaimed parses the generated code
// and fails on a name that is neither claimed by the model nor reserved here.

// Scopes of Go names: a package (ir.MainPackage, ir.TestPackage) and, for
// members, a type of it.
type scope struct{ pkg, typ string }

// Member sets of the types the emitters declare for every spec type of a
// kind. Their names are never Go identifiers, so they cannot meet a type.
const (
	everyActivity = "<activity>"
	sentActivity  = "<sent activity>"
	everyStruct   = "<struct>"
	everyEnum     = "<enum>"
	everyFlagSet  = "<flag set>"
	everyOption   = "<option>"
)

// emitterNames are the names the emitters (generator/*.go) declare for every
// spec, by scope. A new fixed name in an emitter belongs here.
var emitterNames = map[scope][]string{
	{ir.MainPackage, ""}: {
		// activities.go
		"Activity", "Unknown",
		// decode.go
		"Decode", "decodeString", "activityReader", "scanActivityName", "canonicalName", "newActivity", "readActivity",
		// schema.go
		"DiscriminatorKey", "SessionKey", "foldActivityNames", "channelSources", "activityInfos", "typeInfos", "envelopeInfos",
		// channels.go
		"ClientChannels",
		// client_cards.go (emitted when the spec has the card types)
		"ContentTypeHeroCard", "ContentTypeThumbnailCard", "NewHeroCard", "NewThumbnailCard", "IMBack", "NewSuggestedActions",
	},
	{ir.MainPackage, "Unknown"}: {"Name", "SessionID", "Raw", "ActivityName", "Session", "RawJSON", "MarshalJSON"},
	// activities.go, decode.go, encode.go
	{ir.MainPackage, everyActivity}: {"raw", "ActivityName", "Session", "RawJSON", "readJSON", "setRaw", "UnmarshalJSON", "writeJSON", "MarshalJSON"},
	// schema.go
	{ir.MainPackage, sentActivity}: {"Validate"},
	// decode.go, encode.go
	{ir.MainPackage, everyStruct}: {"readJSON", "writeJSON", "MarshalJSON"},
	// types.go
	{ir.MainPackage, everyEnum}:    {"Known"},
	{ir.MainPackage, everyFlagSet}: {"Has", "String", "Mask", "writeJSON"},
	// client.go: the value of an opt<Field> option
	{ir.MainPackage, everyOption}: {"v"},
	// mock.go
	{ir.TestPackage, ""}: {"Activity", "Channel", "spec", "decodeActivity", "channelName", "loadSpec", "convertActivity", "convertCells", "convertFields", "convertType", "recordingFormat", "recordingVersion"},
}

// mockLocals are the local identifiers of mock.go's functions in whose scope
// the generated package is named again (decodeActivity's body, loadSpec's sc
// and name, channelOf's source, Expect<X>'s se). The fake imports the
// generated package under its name, which must not be one of them;
// TestAcceptedSpecsCompile draws package names from these.
var mockLocals = []string{"body", "name", "sc", "se", "source"}

// reservedSet is the reserved set, built once.
var reservedSet = sync.OnceValues(func() (map[scope]map[string]string, error) {
	set := map[scope]map[string]string{}
	add := func(sc scope, by string, names ...string) {
		if set[sc] == nil {
			set[sc] = map[string]string{}
		}
		for _, n := range names {
			if _, dup := set[sc][n]; !dup {
				set[sc][n] = by
			}
		}
	}
	for _, rt := range []struct{ dir, pkg string }{{"runtime", ir.MainPackage}, {"mluviitest", ir.TestPackage}} {
		d, err := templates.Declared(rt.dir)
		if err != nil {
			return nil, err
		}
		by := "by the runtime (templates/" + rt.dir + ")"
		add(scope{rt.pkg, ""}, by, d.Names...)
		for typ, members := range d.Members {
			add(scope{rt.pkg, typ}, by, members...)
		}
	}
	for sc, names := range emitterNames {
		add(sc, "by the generated package", names...)
	}
	return set, nil
})

// claimed is one name the model claims: what claims it and where; owner
// groups claims (the fields of one list).
type claimed struct {
	what, owner string
	pos         spec.Pos
}

// names is the namespace of one build: the reserved set plus every name
// claimed so far, per scope.
type names struct {
	reserved map[scope]map[string]string
	claims   map[scope]map[string]claimed
	order    []ir.Name
}

func newNames() (*names, error) {
	r, err := reservedSet()
	if err != nil {
		return nil, err
	}
	return &names{reserved: r, claims: map[scope]map[string]claimed{}}, nil
}

// owner returns who already declares name in sc: "by …" for reserved names,
// "at file:line:col" or the claim for model names; "" when it is free. A
// generated type's member scope includes the members every type of its kind
// has (kinds).
func (n *names) owner(sc scope, name string, kinds ...string) string {
	if by, ok := n.reserved[sc][name]; ok {
		return by
	}
	for _, k := range kinds {
		if by, ok := n.reserved[scope{sc.pkg, k}][name]; ok {
			return by
		}
	}
	if c, ok := n.claims[sc][name]; ok {
		if c.pos.Line > 0 {
			return "at " + c.pos.String()
		}
		return "by " + c.what
	}
	return ""
}

// take records a claim without checking it.
func (n *names) take(sc scope, name, what string, pos spec.Pos) {
	n.takeAs(sc, name, "", what, pos)
}

func (n *names) takeAs(sc scope, name, owner, what string, pos spec.Pos) {
	if n.claims[sc] == nil {
		n.claims[sc] = map[string]claimed{}
	}
	n.claims[sc][name] = claimed{what: what, owner: owner, pos: pos}
	n.order = append(n.order, ir.Name{Package: sc.pkg, Type: sc.typ, Name: name})
}

// list returns the claims, sorted.
func (n *names) list() []ir.Name {
	out := append([]ir.Name(nil), n.order...)
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Name < b.Name
	})
	return out
}
