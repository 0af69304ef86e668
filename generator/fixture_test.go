package generator

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/templates"
)

// The templates' fixture. templates/runtime and templates/mluviitest are
// ordinary Go packages, compiled and tested in place; what a generated package
// declares from its spec comes from templates/testdata/fixture.yaml, generated
// by this generator into
//
//	templates/runtime/fixture_<file>_gen.go     the spec-driven files of the package
//	templates/mluviitest/fixture_<file>_gen.go  the spec-driven glue of mluviitest
//
// (the runtime files and ACTIVITIES.md are left out: the templates are the
// runtime). TestTemplatesFixtureUpToDate fails when they are stale; with
// -update (or MLUVIIGEN_UPDATE=1) it rewrites them:
//
//	go test ./generator -run TemplatesFixture -update
const (
	templatesDir      = "../templates"
	fixtureSpecPath   = "templates/testdata/fixture.yaml" // as the headers name it, from the module root
	fixtureImportPath = "github.com/mluviigen/mluviigen/templates/runtime"
	fixtureRuntimeDir = "runtime"
)

// fixtureFiles generates the fixture spec in memory and returns its
// spec-driven files, with paths relative to templates/.
func fixtureFiles(t *testing.T) Files {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(templatesDir, "testdata", "fixture.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := FromSpec(fixtureSpecPath, data, Options{Package: "mluvii", ImportPath: fixtureImportPath, With: OptionalTargets()})
	if err != nil {
		t.Fatalf("generating from %s:\n%v", fixtureSpecPath, err)
	}
	runtimeNames := map[string]bool{}
	for _, dir := range fixtureDirs() {
		srcs, err := templates.Go(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, src := range srcs {
			runtimeNames[dir+"/"+src.Name+genSuffix] = true
		}
	}
	var out Files
	for _, f := range files {
		dir, base := fixtureRuntimeDir, f.Path
		if sub, rest, ok := strings.Cut(f.Path, "/"); ok {
			dir, base = sub, rest
		}
		if !strings.HasSuffix(base, genSuffix) || runtimeNames[dir+"/"+base] {
			continue // ACTIVITIES.md, or a runtime file: the templates themselves
		}
		out = append(out, File{Path: dir + "/" + templates.FixturePrefix + base, Data: f.Data})
	}
	if len(out) == 0 {
		t.Fatal("the fixture spec generated no spec-driven files")
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// committedFixture reads the fixture files under templates/runtime and
// templates/mluviitest.
func committedFixture(t *testing.T) Files {
	t.Helper()
	var files Files
	for _, dir := range fixtureDirs() {
		names, err := filepath.Glob(filepath.Join(templatesDir, dir, templates.FixturePrefix+"*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, File{Path: path.Join(dir, filepath.Base(name)), Data: data})
		}
	}
	return files
}

func TestTemplatesFixtureUpToDate(t *testing.T) {
	want := fixtureFiles(t)
	if updating() {
		for _, f := range committedFixture(t) {
			if _, ok := want.Lookup(f.Path); !ok {
				if err := os.Remove(filepath.Join(templatesDir, filepath.FromSlash(f.Path))); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, f := range want {
			if err := os.WriteFile(filepath.Join(templatesDir, filepath.FromSlash(f.Path)), f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	for _, problem := range compareFiles(committedFixture(t), want) {
		t.Errorf("templates/%s\nrun `go test ./generator -run TemplatesFixture -update`", problem)
	}
}

// TestTemplatesFixtureNotEmitted: the fixture's files and the templates' tests
// are never runtime files, so they are neither emitted nor reserved.
func TestTemplatesFixtureNotEmitted(t *testing.T) {
	for _, dir := range fixtureDirs() {
		srcs, err := templates.Go(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(srcs) == 0 {
			t.Fatalf("templates.Go(%q) is empty", dir)
		}
		for _, src := range srcs {
			if strings.HasPrefix(src.Name, templates.FixturePrefix) || strings.HasSuffix(src.Name, "_test") {
				t.Errorf("templates.Go(%q) returns %s", dir, src.Name)
			}
		}
		entries, err := os.ReadDir(filepath.Join(templatesDir, dir))
		if err != nil {
			t.Fatal(err)
		}
		emitted, skipped := 0, 0
		for _, e := range entries {
			switch name := e.Name(); {
			case !strings.HasSuffix(name, ".go"):
			case templates.Emitted(name):
				emitted++
			default:
				skipped++
			}
		}
		if emitted != len(srcs) {
			t.Errorf("templates/%s holds %d runtime files, templates.Go returns %d", dir, emitted, len(srcs))
		}
		if skipped == 0 {
			t.Errorf("templates/%s holds no fixture or test file; the test proves nothing", dir)
		}
	}
	names, err := templates.DeclaredNames(fixtureRuntimeDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if n == "Decode" || n == "Activity" || n == "GetCallParams" {
			t.Errorf("DeclaredNames(runtime) holds %s, a name the fixture declares", n)
		}
	}
}

// fixtureDirs are the templates directories of every target, optional ones
// included: a subpackage's files go to templates/<its directory>.
func fixtureDirs() []string {
	var dirs []string
	for _, t := range targets {
		if t.runtime != "" {
			dirs = append(dirs, t.runtime)
		}
	}
	return dirs
}
