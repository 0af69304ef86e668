package generator

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"
)

// A target is one output package of a generation: where it goes, its package
// name, the runtime templates copied into it verbatim, the emitters that
// write its spec-driven files, the modules its code imports, and whether it
// is produced by default or only when asked for (Options.With, the CLI's
// --with). Every output file belongs to exactly one target.
//
// A new output is a new entry in targets: its runtime files under
// templates/<runtime>/, its emitters in generator/, nothing else. check and
// --clean know every target's directory whether or not a generation
// produced it, so a target switched off leaves no stale files behind.
type target struct {
	// name identifies the target in Options.With and --with.
	name string
	// dir is the target's directory relative to the output directory ("."
	// for the main package); it is the same for every generation.
	dir string
	// pkg returns the target's Go package name.
	pkg func(g *gen) string
	// runtime is the templates directory emitted verbatim ("" for none).
	runtime string
	// emitters write the spec-driven Go files, one file each.
	emitters []goEmitter
	// docs write the non-Go files.
	docs []docEmitter
	// modules are the modules (beyond the standard library) the target's
	// code imports; a module using the output must require them.
	modules []string
	// optional targets are produced only when named in Options.With.
	optional bool
	// doc says in one line what the target is, for --help.
	doc string
}

// A goEmitter produces one spec-driven Go file of its target from the API.
type goEmitter struct {
	name string // file base name; the file is <name>_gen.go
	emit func(g *gen, f *jen.File)
}

// docEmitter produces a non-Go file (the Markdown reference).
type docEmitter struct {
	path string
	emit func(g *gen) ([]byte, error)
}

// TestPackage is the name (and directory) of the fake-mluvii subpackage.
const TestPackage = "mluviitest"

// targets lists every output, in the order their files are produced.
var targets = []*target{
	{
		name:    "main",
		dir:     ".",
		pkg:     func(g *gen) string { return g.pkg },
		runtime: "runtime",
		emitters: []goEmitter{
			{name: "activities", emit: (*gen).activities},
			{name: "types", emit: (*gen).types},
			{name: "decode", emit: (*gen).decode},
			{name: "encode", emit: (*gen).encode},
			{name: "schema", emit: (*gen).schema},
			{name: "dispatch", emit: (*gen).dispatch},
			{name: "client_methods", emit: (*gen).clientMethods},
			{name: "client_cards", emit: (*gen).clientCards},
			{name: "channels", emit: (*gen).channelViews},
		},
		docs: []docEmitter{{path: DocsFile, emit: (*gen).docs}},
		doc:  "the package: types, Decode, the client, the webhook dispatcher, channel views, " + DocsFile,
	},
	{
		name:     TestPackage,
		dir:      TestPackage,
		pkg:      func(*gen) string { return TestPackage },
		runtime:  TestPackage,
		emitters: []goEmitter{{name: "mluviitest", emit: (*gen).mock}},
		doc:      "the fake mluvii for tests (httptest server, guest scripting, faults, transcript)",
	},
	{
		name:     "nats",
		dir:      NATSPackage,
		pkg:      func(*gen) string { return NATSPackage },
		runtime:  NATSPackage,
		emitters: []goEmitter{{name: "mluviinats", emit: (*gen).natsGlue}},
		modules:  []string{"github.com/nats-io/nats.go"},
		optional: true,
		doc:      "the dispatcher's queue and waiters on NATS JetStream, for several bot replicas",
	},
}

// NATSPackage is the name (and directory) of the NATS JetStream subpackage.
const NATSPackage = "mluviinats"

// TargetInfo describes an output target to the CLI and to users.
type TargetInfo struct {
	Name     string   // what Options.With and --with name it by
	Dir      string   // relative to the output directory, slash-separated
	Modules  []string // modules its code imports beyond the standard library
	Optional bool     // produced only when named in Options.With
	Doc      string   // one line
}

// Targets lists every output target, the optional ones included.
func Targets() []TargetInfo {
	out := make([]TargetInfo, len(targets))
	for i, t := range targets {
		out[i] = TargetInfo{Name: t.name, Dir: t.dir, Modules: slices.Clone(t.modules), Optional: t.optional, Doc: t.doc}
	}
	return out
}

// OptionalTargets returns the names of the targets that Options.With can
// turn on, in registry order.
func OptionalTargets() []string {
	var names []string
	for _, t := range targets {
		if t.optional {
			names = append(names, t.name)
		}
	}
	return names
}

// enabledTargets returns the targets a generation with opts produces: every
// default target and the optional ones named in opts.With (in any letter
// case). An unknown or non-optional name is an error.
func enabledTargets(opts Options) ([]*target, error) {
	want := map[string]bool{}
	for _, name := range opts.With {
		t := lookupTarget(name)
		if t == nil || !t.optional {
			return nil, fmt.Errorf("unknown optional output %q (%s)", name, describeOptional())
		}
		want[t.name] = true
	}
	var out []*target
	for _, t := range targets {
		if !t.optional || want[t.name] {
			out = append(out, t)
		}
	}
	return out, nil
}

func lookupTarget(name string) *target {
	for _, t := range targets {
		if strings.EqualFold(t.name, strings.TrimSpace(name)) {
			return t
		}
	}
	return nil
}

func describeOptional() string {
	if names := OptionalTargets(); len(names) > 0 {
		return "optional outputs: " + strings.Join(names, ", ")
	}
	return "this mluviigen has no optional outputs"
}

// targetDirs returns the directory of every target, produced or not: the
// directories whose generated files check and --clean look after.
func targetDirs() []string {
	var dirs []string
	for _, t := range targets {
		if d := path.Clean(t.dir); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// filePath returns the slash-separated output path of a file of t.
func (t *target) filePath(name string) string { return path.Join(t.dir, name) }
