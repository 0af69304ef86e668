package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/mluviigen/mluviigen/generator"
	"github.com/mluviigen/mluviigen/spec"
)

var generateCmd = &command{
	name:    "generate",
	summary: "write the generated package",
	usage:   "[generate] [flags]",
	about: `Generates the Go package for a spec and writes it into --out. Only files whose
content changed are rewritten, each atomically, and one line on stderr says
how many files there are, changed and removed. Spec errors are printed as
file:line:col: message, one per line, and then nothing is written.`,
	examples: `  # Regenerate generated/mluvii from the embedded spec (in a mluviigen checkout):
  go run ./cmd/mluviigen

  # In your own module, after go mod edit -tool=github.com/mluviigen/mluviigen/cmd/mluviigen
  # (or go get -tool …), in a .go file of the package's directory:
  //go:generate go tool mluviigen --out .

  # Your own spec, package and directory; remove generated files no longer produced:
  mluviigen --spec api/mluvii.yaml --out internal/mluvii --package mluvii --clean

  # The embedded spec plus activities mluvii added after this release:
  mluviigen --out internal/mluvii --overlay mluvii-extra.yaml

  # A client limited to what WhatsApp and Apple both support:
  mluviigen --out internal/wa --package wa --channel WhatsApp,Apple
`,
	flags: func(fs *pflag.FlagSet, o *options) {
		o.addFlags(fs)
		fs.BoolVar(&o.clean, "clean", false, "remove generated files that are no longer produced, in --out and the directories of the other outputs, generated this time or not (only *_gen.go with mluviigen's header, and "+generator.DocsFile+")")
	},
	run: (*cli).runGenerate,
}

var checkCmd = &command{
	name:    "check",
	summary: "exit 1 and print a diff when the generated package is stale",
	usage:   "check [flags]",
	about: `Generates the package in memory and compares it with --out. When they differ it
prints a unified diff (from the files on disk to what generate --clean would
leave) on stdout, a one-line hint on stderr, and exits 1. When they match it
prints nothing and exits 0. It never writes.`,
	examples: `  # In CI, from a mluviigen checkout:
  go run ./cmd/mluviigen check

  # Check a package generated from your own spec:
  mluviigen check --spec api/mluvii.yaml --out internal/mluvii
`,
	flags: func(fs *pflag.FlagSet, o *options) { o.addFlags(fs) },
	run:   (*cli).runCheck,
}

var specCmd = &command{
	name:    "spec",
	summary: "print the embedded default spec (a starting point for your own)",
	usage:   "spec",
	about: `Prints the embedded default spec, ` + spec.DefaultPath + `, to stdout, after a
first line that points editors with a YAML language server at ` + schemaFile + `
(write it with "mluviigen schema > ` + schemaFile + `" next to the spec).`,
	examples: "  mluviigen spec > mluvii.yaml\n  mluviigen schema > " + schemaFile + "\n",
	run:      (*cli).runSpec,
}

var schemaCmd = &command{
	name:    "schema",
	summary: "print the JSON Schema of the spec format (for editors)",
	usage:   "schema",
	about: `Prints the JSON Schema (draft 2020-12) of the spec format, the embedded
spec/schema.json, to stdout. Save it as ` + schemaFile + ` next to your spec: the
first line "mluviigen spec" prints, ` + strings.TrimSpace(specModeline) + `,
makes editors with a YAML language server complete and check the spec with it.`,
	examples: "  mluviigen schema > " + schemaFile + "\n",
	run:      (*cli).runSchema,
}

// schemaFile is the file name the modeline of "mluviigen spec" gives the
// schema, relative to the spec.
const schemaFile = "mluvii.schema.json"

// specModeline begins the output of "mluviigen spec": a comment that editors
// with a YAML language server (VS Code's YAML extension, …) read.
const specModeline = "# yaml-language-server: $schema=" + schemaFile + "\n"

// handWrittenPackage returns the package clause of the first hand-written Go
// file in dir (not generated, not a test), and the file's name; "" when there
// is none. Generating another package name next to it would leave a
// directory that does not build.
func handWrittenPackage(dir string) (pkg, file string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", ""
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_gen.go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, name), nil, parser.PackageClauseOnly)
		if err != nil {
			continue
		}
		return f.Name.Name, name
	}
	return "", ""
}

// headerName names the inputs in the generated headers with paths relative
// to the output directory, so that generating (or checking) from the module
// root and from the package directory (go generate) write the same bytes.
// The embedded spec keeps its name.
func headerName(specName string, specFile bool, overlays []spec.Source, outDir string) string {
	rel := func(p string) string {
		absOut, err1 := filepath.Abs(outDir)
		absP, err2 := filepath.Abs(filepath.FromSlash(p))
		if err1 != nil || err2 != nil {
			return p
		}
		r, err := filepath.Rel(absOut, absP)
		if err != nil {
			return p
		}
		return filepath.ToSlash(r)
	}
	if specFile {
		specName = rel(specName)
	}
	named := make([]spec.Source, len(overlays))
	for i, o := range overlays {
		named[i] = spec.Source{Path: rel(o.Path), Data: o.Data}
	}
	return generator.InputName(specName, named)
}

// produce runs the pipeline in memory: read the spec and overlays, load and
// build them, generate. It reports errors itself and returns the exit code.
func (c *cli) produce(cmd *command, o *options) (generator.Files, int) {
	name, posName, data, overlays, err := o.readSpec()
	if err != nil {
		c.fail(err)
		return nil, exitFail
	}
	// The spec first: its problems are the ones worth seeing all at once.
	api, err := generator.LoadAPI(posName, data, overlays...)
	if err != nil {
		c.fail(err)
		return nil, exitFail
	}
	opts, err := o.generatorOptions()
	if err != nil {
		c.fail(err)
		return nil, exitFail
	}
	if opts.Channels, err = generator.ResolveChannels(api, opts.Channels); err != nil {
		return nil, c.usageError(cmd, "--channel: %v", err)
	}
	opts = opts.WithDefaults(api, headerName(name, o.specFile != "", overlays, o.outDir))
	if pkg, file := handWrittenPackage(o.outDir); pkg != "" && pkg != opts.Package {
		return nil, c.usageError(cmd, "--out %s holds package %s (%s), and the generated package would be %s: add --package %s",
			o.outDir, pkg, file, opts.Package, pkg)
	}
	files, err := c.generate(api, opts)
	if err != nil {
		c.fail(fmt.Errorf("generating from %s: %w", name, err))
		return nil, exitFail
	}
	return files, exitOK
}

// fail prints an error and returns false. A spec.ErrorList is printed as it
// renders, one file:line:col: message per line, so editors and CI annotate it.
func (c *cli) fail(err error) bool {
	if list, ok := err.(spec.ErrorList); ok {
		fmt.Fprintln(c.stderr, list.Error())
	} else {
		fmt.Fprintf(c.stderr, "mluviigen: %v\n", err)
	}
	return false
}

func (c *cli) runGenerate(cmd *command, o *options, args []string) int {
	if len(args) > 0 {
		return c.usageError(cmd, "unexpected argument %q", args[0])
	}
	files, code := c.produce(cmd, o)
	if code != exitOK {
		return code
	}
	rep, err := files.WriteDirReport(o.outDir, o.clean)
	if err != nil {
		c.fail(err)
		return exitFail
	}
	// One line, so that go generate does not succeed in silence.
	fmt.Fprintf(c.stderr, "mluviigen: %d files in %s (%d changed, %d removed)\n", rep.Files, o.outDir, rep.Changed, rep.Removed)
	return exitOK
}

func (c *cli) runCheck(cmd *command, o *options, args []string) int {
	if len(args) > 0 {
		return c.usageError(cmd, "unexpected argument %q", args[0])
	}
	files, code := c.produce(cmd, o)
	if code != exitOK {
		return code
	}
	diff, err := files.Diff(o.outDir)
	if err != nil {
		c.fail(err)
		return exitFail
	}
	if diff == "" {
		return exitOK
	}
	fmt.Fprint(c.stdout, diff)
	fmt.Fprintf(c.stderr, "mluviigen check: %s is stale; regenerate it with: %s\n", o.outDir, regenerateCommand(o, diff))
	return exitFail
}

// regenerateCommand is the command line that makes --out fresh: mluviigen (in
// a checkout of mluviigen "go run ./cmd/mluviigen", in a module that has it as
// a tool "go tool mluviigen") with every output-changing
// flag that was given
// (those addFlags marks), plus --clean when the diff deletes stale files.
func regenerateCommand(o *options, diff string) string {
	cmd := []string{"mluviigen"}
	if _, err := os.Stat(filepath.Join("cmd", "mluviigen", "main.go")); err == nil {
		cmd[0] = "go run ./cmd/mluviigen" // in a checkout of mluviigen
	} else if _, gomod := currentModule(); hasToolDirective(gomod) {
		cmd[0] = "go tool mluviigen"
	}
	o.flags.VisitAll(func(f *pflag.Flag) {
		if !f.Changed || f.Annotations[outputFlag] == nil {
			return
		}
		switch v := f.Value.(type) {
		case pflag.SliceValue:
			if f.Value.Type() == "stringArray" { // repeatable: one flag per value
				for _, s := range v.GetSlice() {
					cmd = append(cmd, "--"+f.Name+" "+shellQuote(s))
				}
				return
			}
			cmd = append(cmd, "--"+f.Name+" "+shellQuote(strings.Join(v.GetSlice(), ",")))
		default:
			if f.Value.Type() == "bool" {
				if f.Value.String() == "true" {
					cmd = append(cmd, "--"+f.Name)
				} else {
					cmd = append(cmd, "--"+f.Name+"=false")
				}
				return
			}
			cmd = append(cmd, "--"+f.Name+" "+shellQuote(f.Value.String()))
		}
	})
	if strings.Contains(diff, "\n+++ /dev/null\n") {
		cmd = append(cmd, "--clean")
	}
	return strings.Join(cmd, " ")
}

// shellQuote quotes s for a POSIX shell unless it is made of safe characters.
func shellQuote(s string) string {
	const safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./,:=@+"
	if s != "" && strings.Trim(s, safe) == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (c *cli) runSpec(cmd *command, _ *options, args []string) int {
	if len(args) > 0 {
		return c.usageError(cmd, "unexpected argument %q", args[0])
	}
	if _, err := io.WriteString(c.stdout, specModeline+string(spec.DefaultYAML)); err != nil {
		c.fail(err)
		return exitFail
	}
	return exitOK
}

func (c *cli) runSchema(cmd *command, _ *options, args []string) int {
	if len(args) > 0 {
		return c.usageError(cmd, "unexpected argument %q", args[0])
	}
	if _, err := c.stdout.Write(spec.SchemaJSON); err != nil {
		c.fail(err)
		return exitFail
	}
	return exitOK
}
