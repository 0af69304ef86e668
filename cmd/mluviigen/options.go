package main

import (
	"bytes"
	"fmt"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/mluviigen/mluviigen/generator"
	"github.com/mluviigen/mluviigen/spec"
)

// defaultOut is where the package for the default spec lives in this
// repository, the default of --out in its module (thisModule) only.
const defaultOut = "generated/mluvii"

// thisModule is mluviigen's own module path.
const thisModule = "github.com/mluviigen/mluviigen"

// toolPath is the command's package, as a tool directive names it.
const toolPath = thisModule + "/cmd/mluviigen"

// options are the flags of a command.
type options struct {
	specFile       string   // --spec; "" means the embedded default spec
	overlays       []string // --overlay, repeatable, merged into the spec in order
	oldOverlays    []string // diff --old-overlay
	format         string   // diff --format
	failOn         string   // diff --fail-on
	outDir         string   // --out
	pkg            string   // --package; "" means the spec's name
	importPath     string   // --import-path; "" means computed from go.mod
	clean          bool     // --clean (generate only)
	channels       []string // --channel
	strictChannels bool     // --strict-channels
	with           []string // --with: optional outputs
	help           bool     // -h, --help

	flags *pflag.FlagSet // as parsed, for the regenerate hint
}

// outputFlag marks the flags that change what is generated: the regenerate
// hint of check repeats each of them that was given.
const outputFlag = "mluviigen/output"

// addFlags defines the flags shared by generate and check.
func (o *options) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.specFile, "spec", "", "read the spec from `FILE` (default: the embedded "+spec.DefaultPath+")")
	fs.StringArrayVar(&o.overlays, "overlay", nil, "merge the overlay spec `FILE` into the spec (repeatable; applied in order): it adds activities, types, fields and values, and patches channel cells, retry and docs")
	fs.StringVar(&o.outDir, "out", "", "the package's directory `DIR`: required, except in mluviigen's own module, where it defaults to "+defaultOut+" (from go generate, --out . is the directory of the file with the //go:generate line)")
	fs.StringVar(&o.pkg, "package", "", "Go package `NAME` (default: the spec's name)")
	fs.StringVar(&o.importPath, "import-path", "", "import `PATH` of --out (default: from the nearest go.mod above --out)")
	fs.StringSliceVar(&o.channels, "channel", nil, "limit the client to the activities supported on every channel in `LIST` (comma-separated, any letter case, e.g. WhatsApp,Apple); without it every channel gets a client view (c.WhatsApp(), …)")
	fs.BoolVar(&o.strictChannels, "strict-channels", false, "leave out activities whose support is unverified (from the --channel client, or from the per-channel views)")
	fs.StringSliceVar(&o.with, "with", nil, "also generate the optional outputs in `LIST` (comma-separated; "+optionalOutputs()+")")
	fs.VisitAll(func(f *pflag.Flag) { _ = fs.SetAnnotation(f.Name, outputFlag, []string{"true"}) })
	o.flags = fs
}

// optionalOutputs says which optional outputs there are, for --with's help.
func optionalOutputs() string {
	var names []string
	for _, t := range generator.Targets() {
		if t.Optional {
			names = append(names, t.Name+" ("+t.Doc+")")
		}
	}
	if len(names) == 0 {
		return "this build has none"
	}
	return strings.Join(names, ", ")
}

// validate checks what can be checked without reading anything; its errors
// are usage errors.
func (o *options) validate(fs *pflag.FlagSet) error {
	if fs.Changed("out") && o.outDir == "" {
		return fmt.Errorf("--out must not be empty")
	}
	if fs.Changed("spec") && o.specFile == "" {
		return fmt.Errorf("--spec must not be empty (leave it out to use the embedded spec)")
	}
	for _, f := range append(o.overlays, o.oldOverlays...) {
		if f == "" {
			return fmt.Errorf("--overlay must not be empty")
		}
	}
	if o.pkg != "" && (!token.IsIdentifier(o.pkg) || o.pkg == "_") {
		return fmt.Errorf("--package %q is not a valid Go package name", o.pkg)
	}
	if o.pkg == "main" {
		return fmt.Errorf("--package main: a package main cannot be imported, and the generated mluviitest imports it; name the package, e.g. --package mluvii")
	}
	if fs.Changed("import-path") && !validImportPath(o.importPath) {
		return fmt.Errorf("--import-path %q is not a valid import path", o.importPath)
	}
	if fs.Changed("channel") && len(o.channels) == 0 {
		return fmt.Errorf("--channel needs at least one channel name (leave it out for every channel)")
	}
	for _, ch := range o.channels {
		if strings.TrimSpace(ch) == "" {
			return fmt.Errorf("--channel: empty channel name in %q", strings.Join(o.channels, ","))
		}
	}
	for _, w := range o.with {
		if !slices.ContainsFunc(generator.OptionalTargets(), func(t string) bool { return strings.EqualFold(t, strings.TrimSpace(w)) }) {
			return fmt.Errorf("--with: unknown optional output %q (%s)", w, optionalOutputs())
		}
	}
	return nil
}

// resolveOut fills in --out when it was left out: generated/mluvii in
// mluviigen's own module (found from go.mod upward from the working
// directory), where that is the package of the embedded spec. Anywhere else a
// default would be a surprise (a generated/mluvii nobody asked for), so it is
// a usage error saying what to run: the command line given (args) plus --out,
// for go generate (GOFILE set) as the //go:generate line.
func (o *options) resolveOut(fs *pflag.FlagSet, args []string) error {
	if fs.Lookup("out") == nil || fs.Changed("out") {
		return nil
	}
	mod, gomod := currentModule()
	if mod == thisModule {
		o.outDir = defaultOut
		return nil
	}
	here := "this is " + mod
	if mod == "" {
		here = "this is no module"
	}
	command := "go run " + toolPath
	if hasToolDirective(gomod) {
		command = "go tool mluviigen"
	}
	given := ""
	for _, a := range args {
		given += " " + shellQuote(a)
	}
	if file := os.Getenv("GOFILE"); file != "" {
		return fmt.Errorf("--out is required outside the mluviigen module (%s): add --out to the //go:generate line in %s (--out . writes the package into %s's directory):\n  //go:generate %s%s --out .", here, file, file, command, given)
	}
	if !hasToolDirective(gomod) {
		command = "mluviigen"
	}
	return fmt.Errorf("--out is required outside the mluviigen module (%s): name the package's directory, e.g.\n  %s%s --out internal/mluvii", here, command, given)
}

// currentModule returns the module path and contents of the nearest go.mod
// in or above the working directory ("" and nil when there is none).
func currentModule() (string, []byte) {
	dir, err := os.Getwd()
	if err != nil {
		return "", nil
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			mod, _ := generator.ModulePath(data)
			return mod, data
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// hasToolDirective reports whether go.mod names mluviigen as a tool (a tool
// line, or a line of a tool block), so that "go tool mluviigen" runs it.
func hasToolDirective(gomod []byte) bool {
	inBlock := false
	for line := range strings.Lines(string(gomod)) {
		line, _, _ = strings.Cut(line, "//")
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case inBlock && f[0] == ")":
			inBlock = false
		case inBlock && f[0] == toolPath:
			return true
		case f[0] == "tool" && len(f) == 2 && f[1] == "(":
			inBlock = true
		case f[0] == "tool" && len(f) == 2 && f[1] == toolPath:
			return true
		}
	}
	return false
}

func validImportPath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
		return false
	}
	return !strings.ContainsAny(p, " \t\\:\"'`")
}

// readSpec returns the spec's name for headers, its name for positions (they
// differ only for the embedded spec, see embeddedPosName), its bytes, and the
// overlays, named the same way.
func (o *options) readSpec() (name, posName string, data []byte, overlays []spec.Source, err error) {
	name, posName, data = spec.DefaultPath, embeddedPosName(), spec.DefaultYAML
	if o.specFile != "" {
		if data, err = readInput("--spec", o.specFile); err != nil {
			return "", "", nil, nil, err
		}
		name = specName(o.specFile)
		posName = name
	}
	if overlays, err = readOverlays("--overlay", o.overlays); err != nil {
		return "", "", nil, nil, err
	}
	return name, posName, data, overlays, nil
}

// embeddedPosName names the embedded spec in error positions: spec/mluvii.yaml
// where that file (relative to the working directory) is the embedded spec,
// as in a checkout of mluviigen, so editors can open it; elsewhere
// spec.EmbeddedName, which renders as "line N of the embedded spec (see
// `mluviigen spec`)", since a downstream user has no such file.
func embeddedPosName() string {
	if data, err := os.ReadFile(filepath.FromSlash(spec.DefaultPath)); err == nil && bytes.Equal(data, spec.DefaultYAML) {
		return spec.DefaultPath
	}
	return spec.EmbeddedName
}

// readInput reads a file named on the command line; an error names the flag
// (or argument) that named it, e.g. "--overlay x.yaml: open x.yaml: …".
func readInput(flag, file string) ([]byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", flag, file, err)
	}
	return data, nil
}

// readOverlays reads the overlay files a flag named, named like the spec.
func readOverlays(flag string, files []string) ([]spec.Source, error) {
	var overlays []spec.Source
	for _, f := range files {
		data, err := readInput(flag, f)
		if err != nil {
			return nil, err
		}
		overlays = append(overlays, spec.Source{Path: specName(f), Data: data})
	}
	return overlays, nil
}

// specName is the slash-separated path the header and the error positions use:
// the path as given, or, for an absolute path, relative to the working
// directory, so output does not depend on where the checkout lives.
func specName(file string) string {
	if filepath.IsAbs(file) {
		if wd, err := os.Getwd(); err == nil {
			if rel, err := filepath.Rel(wd, file); err == nil {
				file = rel
			}
		}
	}
	return filepath.ToSlash(filepath.Clean(file))
}

// generatorOptions turns the flags into generator.Options; Package and
// SpecPath defaults come later from generator.Options.WithDefaults.
func (o *options) generatorOptions() (generator.Options, error) {
	importPath := o.importPath
	if importPath == "" {
		var err error
		if importPath, err = generator.ImportPathFor(o.outDir); err != nil {
			return generator.Options{}, fmt.Errorf("cannot compute the import path of %s: %v", o.outDir, err)
		}
	}
	var channels []string
	for _, ch := range o.channels {
		channels = append(channels, strings.TrimSpace(ch))
	}
	var with []string
	for _, w := range o.with {
		with = append(with, strings.TrimSpace(w))
	}
	return generator.Options{
		Package:        o.pkg,
		ImportPath:     importPath,
		Channels:       channels,
		StrictChannels: o.strictChannels,
		With:           with,
	}, nil
}
