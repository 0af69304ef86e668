package generator

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/mluviigen/mluviigen/spec"
)

// The golden harness. Each directory golden/<case>/ holds:
//
//	spec.yaml       the input (positions in errors read spec.yaml:line:col); its
//	                first line says what the case pins: "# pins: <one sentence>"
//	overlay*.yaml   optional overlays, merged into spec.yaml in name order
//	options.yaml    optional generator options: package, channels, strictChannels,
//	                with (optional output targets; their modules must be required
//	                by the root go.mod, whose requirements the vetted module copies)
//	want/…          the spec-driven part of the expected output of a case that
//	                generates: the emitters' files and ACTIVITIES.md, not the
//	                runtime files copied verbatim from templates/ (File.Runtime),
//	                which are the same for every spec and checked once, by
//	                TestGoldenRuntimeVerbatim
//	stderr.golden   the expected error text of a case that fails (the err_* cases),
//	                exactly what the CLI prints on stderr
//
// A case fails on missing, extra and differing files. TestGoldenPackagesVet
// assembles each case's whole output, runtime included, into one temporary
// module and runs go vet over it, so every golden still compiles. To rewrite
// the goldens (want/ is replaced, so stale files go):
//
//	go test ./generator -run Golden -update
//	MLUVIIGEN_UPDATE=1 go test ./... -run 'Golden|UpToDate'
//
// The environment variable exists because "go test ./... -update" hands the
// flag to every package's test binary, and those that do not define it fail.

var updateFlag = flag.Bool("update", false, "rewrite the golden files and generated/mluvii (or set MLUVIIGEN_UPDATE=1)")

// updating reports whether tests should rewrite their expected files.
func updating() bool { return *updateFlag || os.Getenv("MLUVIIGEN_UPDATE") == "1" }

const (
	goldenDir    = "../golden"
	goldenModule = "github.com/mluviigen/mluviigen/golden"
	goldenSpec   = "spec.yaml"
	stderrGolden = "stderr.golden"
	// diffGoldens holds the cases of the spec diff (generator/specdiff), not
	// generator cases.
	diffGoldens = "diff"
)

// goldenCase is one directory under golden/.
type goldenCase struct {
	name string
	dir  string
}

func (c goldenCase) wantDir() string { return filepath.Join(c.dir, "want") }

// wantsError reports whether the case must fail: its name starts with err_.
func (c goldenCase) wantsError() bool { return strings.HasPrefix(c.name, "err_") }

// goldenCases lists the case directories, sorted. Every directory under golden/
// must hold a spec.yaml, so a misnamed spec cannot silently drop a case.
func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || e.Name() == diffGoldens {
			continue
		}
		c := goldenCase{name: e.Name(), dir: filepath.Join(goldenDir, e.Name())}
		if _, err := os.Stat(filepath.Join(c.dir, goldenSpec)); err != nil {
			t.Errorf("golden case %s: %v", c.name, err)
			continue
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		t.Fatal("no golden cases in " + goldenDir)
	}
	return cases
}

// pinsPrefix starts the first line of every case's spec.yaml: the one
// sentence saying what the case pins, so a reader (or a reviewer of a golden
// diff) knows what would be lost if it changed.
const pinsPrefix = "# pins: "

// pins returns what the case says it pins: the first line of its spec.yaml
// after "# pins: ". It is an error for that line to be missing or empty.
func (c goldenCase) pins(t *testing.T) (string, error) {
	t.Helper()
	first, _, _ := strings.Cut(string(c.spec(t)), "\n")
	sentence, ok := strings.CutPrefix(strings.TrimSuffix(first, "\r"), pinsPrefix)
	if !ok || strings.TrimSpace(sentence) == "" {
		return "", fmt.Errorf("%s/%s must start with the line \"%s<what this case pins, in one sentence>\", not %q", c.name, goldenSpec, pinsPrefix, first)
	}
	return strings.TrimSpace(sentence), nil
}

// caseOptions are the contents of a case's options.yaml.
type caseOptions struct {
	Package        string   `yaml:"package"`
	Channels       []string `yaml:"channels"`
	StrictChannels bool     `yaml:"strictChannels"`
	With           []string `yaml:"with"`
}

// options returns the generator options of a case. The import path is where
// TestGoldenPackagesVet puts the case's whole output: <case>/want in a module
// named goldenModule, so the generated mluviitest subpackage resolves there.
func (c goldenCase) options(t *testing.T) Options {
	t.Helper()
	opts := Options{ImportPath: goldenModule + "/" + c.name + "/want"} // SpecPath: spec.yaml + overlays, from FromSpec
	data, err := os.ReadFile(filepath.Join(c.dir, "options.yaml"))
	if errors.Is(err, fs.ErrNotExist) {
		return opts
	} else if err != nil {
		t.Fatal(err)
	}
	var co caseOptions
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&co); err != nil {
		t.Fatalf("%s/options.yaml: %v", c.name, err)
	}
	opts.Package, opts.Channels, opts.StrictChannels, opts.With = co.Package, co.Channels, co.StrictChannels, co.With
	return opts
}

func (c goldenCase) spec(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(c.dir, goldenSpec))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// overlays reads the case's overlay*.yaml files, in name order.
func (c goldenCase) overlays(t *testing.T) []spec.Source {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(c.dir, "overlay*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	var srcs []spec.Source
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, spec.Source{Path: filepath.Base(name), Data: data})
	}
	return srcs
}

// generate runs a case in memory.
func (c goldenCase) generate(t *testing.T) (Files, error) {
	t.Helper()
	return FromSpec(goldenSpec, c.spec(t), c.options(t), c.overlays(t)...)
}

// errorText is what the CLI prints on stderr for err.
func errorText(err error) string { return err.Error() + "\n" }

// specDriven returns the files that depend on the spec: all but the runtime
// copies. They are what want/ holds.
func specDriven(files Files) Files {
	var out Files
	for _, f := range files {
		if !f.Runtime {
			out = append(out, f)
		}
	}
	return out
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.pins(t); err != nil {
				t.Error(err)
			}
			files, err := c.generate(t)
			if updating() {
				c.update(t, files, err)
				return
			}
			wantErr, readErr := os.ReadFile(filepath.Join(c.dir, stderrGolden))
			hasStderr := readErr == nil
			if readErr != nil && !errors.Is(readErr, fs.ErrNotExist) {
				t.Fatal(readErr)
			}
			switch {
			case err != nil && !hasStderr:
				t.Fatalf("generation failed, and there is no %s:\n%s", stderrGolden, errorText(err))
			case err != nil:
				if d := cmp.Diff(string(wantErr), errorText(err)); d != "" {
					t.Errorf("%s mismatch (-want +got):\n%s", stderrGolden, d)
				}
			case hasStderr:
				t.Fatalf("generation succeeded, but %s expects:\n%s", stderrGolden, wantErr)
			default:
				for _, problem := range compareGolden(readTree(t, c.wantDir()), files) {
					t.Error(problem)
				}
			}
		})
	}
}

// TestGoldenSpecsLoad checks, independently of the emitters, that exactly the
// err_* cases fail to load and build, with the errors in their stderr.golden.
func TestGoldenSpecsLoad(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadAPI(goldenSpec, c.spec(t), c.overlays(t)...)
			switch {
			case c.wantsError() && err == nil:
				t.Fatal("the spec loads, but err_* cases must fail")
			case !c.wantsError() && err != nil:
				t.Fatalf("the spec does not load:\n%v", err)
			case err != nil && !updating():
				want, readErr := os.ReadFile(filepath.Join(c.dir, stderrGolden))
				if readErr != nil {
					t.Fatal(readErr)
				}
				if d := cmp.Diff(string(want), errorText(err)); d != "" {
					t.Errorf("%s mismatch (-want +got):\n%s", stderrGolden, d)
				}
			}
		})
	}
}

// compareGolden compares want/ with a generation: its spec-driven files as
// compareFiles does; a runtime file found in want/ is reported as such (goldens
// hold none), not as a file that is missing from the output.
func compareGolden(want, got Files) []string {
	runtime := map[string]bool{}
	for _, f := range got {
		runtime[f.Path] = f.Runtime
	}
	var problems []string
	var kept Files
	for _, f := range want {
		if runtime[f.Path] {
			problems = append(problems, "want/"+f.Path+" is a runtime file, which goldens do not hold (TestGoldenRuntimeVerbatim checks those); -update removes it")
			continue
		}
		kept = append(kept, f)
	}
	return append(problems, compareFiles(kept, specDriven(got))...)
}

// update rewrites a case's expectations from this run: afterwards want/ holds
// exactly the spec-driven generated files (stale ones are gone), or
// stderr.golden the error.
func (c goldenCase) update(t *testing.T, files Files, genErr error) {
	t.Helper()
	if err := os.RemoveAll(c.wantDir()); err != nil {
		t.Fatal(err)
	}
	stderrPath := filepath.Join(c.dir, stderrGolden)
	if genErr != nil {
		if err := os.WriteFile(stderrPath, []byte(errorText(genErr)), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.Remove(stderrPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if err := specDriven(files).WriteDir(c.wantDir(), false); err != nil {
		t.Fatal(err)
	}
}

// readTree reads every file under dir, keyed by slash-separated relative path
// and sorted. A missing dir is empty (git keeps no empty directories).
func readTree(t *testing.T, dir string) Files {
	t.Helper()
	var files Files
	err := filepath.WalkDir(dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			if name == dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, name)
		if err != nil {
			return err
		}
		files = append(files, File{Path: filepath.ToSlash(rel), Data: data})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// compareFiles describes every difference between two file sets: files only in
// want (missing), only in got (extra), and differing contents as cmp.Diff
// (-want +got). It also reports got not being sorted by path or holding a path
// twice, which Files promises never to do.
func compareFiles(want, got Files) []string {
	var problems []string
	if !slices.IsSortedFunc(got, func(a, b File) int { return strings.Compare(a.Path, b.Path) }) {
		problems = append(problems, "the generated files are not sorted by path")
	}
	index := func(files Files, label string) map[string][]byte {
		m := make(map[string][]byte, len(files))
		for _, f := range files {
			if _, dup := m[f.Path]; dup {
				problems = append(problems, label+" holds "+f.Path+" twice")
			}
			m[f.Path] = f.Data
		}
		return m
	}
	w, g := index(want, "want"), index(got, "got")
	paths := make([]string, 0, len(w)+len(g))
	for p := range w {
		paths = append(paths, p)
	}
	for p := range g {
		if _, ok := w[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		wd, inWant := w[p]
		gd, inGot := g[p]
		switch {
		case !inGot:
			problems = append(problems, "missing file "+p+" (expected, not generated)")
		case !inWant:
			problems = append(problems, fmt.Sprintf("extra file %s (generated, %d bytes, not expected)", p, len(gd)))
		case !bytes.Equal(wd, gd):
			problems = append(problems, p+" differs (-want +got):\n"+cmp.Diff(string(wd), string(gd)))
		}
	}
	return problems
}

// TestCompareFiles keeps the harness honest: while the emitters produce little,
// the golden cases alone would not notice a comparison that never fails.
func TestCompareFiles(t *testing.T) {
	want := Files{{Path: "a_gen.go", Data: []byte("package a\n")}, {Path: "b_gen.go", Data: []byte("x\ny\n")}, {Path: "m/c_gen.go"}}
	got := Files{{Path: "b_gen.go", Data: []byte("x\nz\n")}, {Path: "d_gen.go", Data: []byte("d")}, {Path: "m/c_gen.go"}}
	problems := compareFiles(want, got)
	if len(problems) != 3 {
		t.Fatalf("got %d problems, want 3:\n%s", len(problems), strings.Join(problems, "\n"))
	}
	for i, prefix := range []string{"missing file a_gen.go", "b_gen.go differs (-want +got):", "extra file d_gen.go"} {
		if !strings.HasPrefix(problems[i], prefix) {
			t.Errorf("problem %d = %q, want prefix %q", i, problems[i], prefix)
		}
	}
	if !strings.Contains(problems[1], "-") || !strings.Contains(problems[1], "+") {
		t.Errorf("no diff in %q", problems[1])
	}
	if p := compareFiles(want, want); len(p) != 0 {
		t.Errorf("equal sets differ: %q", p)
	}
	if p := compareFiles(nil, Files{{Path: "b"}, {Path: "a"}}); len(p) == 0 || !strings.Contains(p[0], "sorted") {
		t.Errorf("unsorted output not reported: %q", p)
	}
}

// TestCompareGolden: want/ is compared with the spec-driven files only; a
// runtime file in want/ is reported as such (once), and the runtime files of
// the output are not expected there.
func TestCompareGolden(t *testing.T) {
	got := Files{
		{Path: "a_gen.go", Data: []byte("a")},
		{Path: "jsonread_gen.go", Data: []byte("runtime"), Runtime: true},
		{Path: "mluviitest/server_gen.go", Data: []byte("runtime"), Runtime: true},
	}
	if p := compareGolden(Files{{Path: "a_gen.go", Data: []byte("a")}}, got); len(p) != 0 {
		t.Errorf("spec-driven files equal, yet: %q", p)
	}
	p := compareGolden(Files{{Path: "a_gen.go", Data: []byte("a")}, {Path: "jsonread_gen.go", Data: []byte("runtime")}}, got)
	if len(p) != 1 || !strings.HasPrefix(p[0], "want/jsonread_gen.go is a runtime file") {
		t.Errorf("a runtime file in want/: %q", p)
	}
	if p := compareGolden(nil, got); len(p) != 1 || !strings.HasPrefix(p[0], "extra file a_gen.go") {
		t.Errorf("a spec-driven file want/ lacks: %q", p)
	}
}
