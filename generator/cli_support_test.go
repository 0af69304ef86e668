package generator

import (
	"os"
	"path/filepath"
	"testing"
)

func TestModulePath(t *testing.T) {
	for _, tc := range []struct{ gomod, want string }{
		{"module example.com/a\n\ngo 1.26\n", "example.com/a"},
		{"// comment\nmodule   example.com/b // trailing\n", "example.com/b"},
		{"module \"example.com/quoted\"\n", "example.com/quoted"},
		{"\tmodule example.com/indented\r\n", "example.com/indented"},
		{"modulex example.com/no\nmodule example.com/yes\n", "example.com/yes"},
	} {
		got, err := ModulePath([]byte(tc.gomod))
		if err != nil || got != tc.want {
			t.Errorf("ModulePath(%q) = %q, %v; want %q", tc.gomod, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "go 1.26\n", "module\n", "module \"unterminated\n"} {
		if got, err := ModulePath([]byte(bad)); err == nil {
			t.Errorf("ModulePath(%q) = %q, want an error", bad, got)
		}
	}
}

func TestImportPathFor(t *testing.T) {
	root := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "go.mod"), "module example.com/root\n")
	write(filepath.Join(root, "nested", "go.mod"), "module example.com/nested\n")
	for _, tc := range []struct{ dir, want string }{
		{root, "example.com/root"},
		{filepath.Join(root, "a", "b"), "example.com/root/a/b"}, // need not exist
		{filepath.Join(root, "nested", "x"), "example.com/nested/x"},
		{filepath.Join(root, "a", "..", "c"), "example.com/root/c"},
	} {
		got, err := ImportPathFor(tc.dir)
		if err != nil || got != tc.want {
			t.Errorf("ImportPathFor(%s) = %q, %v; want %q", tc.dir, got, err, tc.want)
		}
	}
	t.Chdir(filepath.Join(root, "nested"))
	if got, err := ImportPathFor("gen/mluvii"); err != nil || got != "example.com/nested/gen/mluvii" {
		t.Errorf("relative dir: %q, %v", got, err)
	}
}
