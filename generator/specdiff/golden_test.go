package specdiff

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mluviigen/mluviigen/spec"
)

// The golden cases live in golden/diff/<case>/: old.yaml, new.yaml and the
// report in each format (want.txt, want.md, want.json). Rewrite them with
//
//	MLUVIIGEN_UPDATE=1 go test ./generator/specdiff -run Golden
var update = flag.Bool("update", false, "rewrite golden/diff/*/want.* (or set MLUVIIGEN_UPDATE=1)")

const goldenDir = "../../golden/diff"

func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(goldenDir, "*", "old.yaml"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases in %s (%v)", goldenDir, err)
	}
	for _, old := range dirs {
		dir := filepath.Dir(old)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Chdir(dir) // positions read old.yaml:line:col
			r := &Report{Old: "old.yaml", New: "new.yaml", Changes: Compare(loadFile(t, "old.yaml"), loadFile(t, "new.yaml"))}
			js, err := r.JSON()
			if err != nil {
				t.Fatal(err)
			}
			for name, got := range map[string]string{"want.txt": r.Text(), "want.md": r.Markdown(), "want.json": string(js)} {
				if *update || os.Getenv("MLUVIIGEN_UPDATE") == "1" {
					if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(string(want), got); d != "" {
					t.Errorf("%s (-want +got):\n%s", name, d)
				}
			}
		})
	}
}

func loadFile(t *testing.T, name string) *spec.Spec {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return load(t, name, string(data))
}
