package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDiff runs "mluviigen diff" on the golden diff cases: each format prints
// exactly the golden report, and --fail-on decides the exit status.
func TestDiff(t *testing.T) {
	t.Chdir(filepath.Join(goldenDir, "diff", "breaking"))
	for format, want := range map[string]string{"text": "want.txt", "markdown": "want.md", "json": "want.json"} {
		r := runCLI("diff", "old.yaml", "new.yaml", "--format", format)
		expect(t, r, exitOK)
		if r.stdout != readFile(t, want) || r.stderr != "" {
			t.Errorf("--format %s: stdout differs from %s (stderr %q):\n%s", format, want, r.stderr, r.stdout)
		}
	}
	for level, code := range map[string]int{"none": exitOK, "breaking": exitFail, "go-breaking": exitFail} {
		r := runCLI("diff", "old.yaml", "new.yaml", "--fail-on", level)
		expect(t, r, code)
		if code == exitFail && r.stderr != "mluviigen diff: changes reach --fail-on "+level+"\n" {
			t.Errorf("--fail-on %s: stderr %q", level, r.stderr)
		}
	}
	t.Chdir(filepath.Join(goldenDir, "diff", "compatible"))
	expect(t, runCLI("diff", "old.yaml", "new.yaml", "--fail-on", "go-breaking"), exitOK)
}

func TestDiffEmbeddedAndOverlays(t *testing.T) {
	r := runCLI("diff", "embedded", "embedded")
	expect(t, r, exitOK)
	if r.stdout != "spec/mluvii.yaml → spec/mluvii.yaml: no changes\n" {
		t.Errorf("embedded against itself: %q", r.stdout)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "extra.yaml"), `types:
  - name: GroupState
    values: [{name: PAUSED, number: 3}]
activities:
  - name: Typing
    retry: unsafe
`)
	t.Chdir(dir)
	r = runCLI("diff", "embedded", "embedded", "--overlay", "extra.yaml", "--fail-on", "breaking")
	expect(t, r, exitFail)
	for _, want := range []string{
		"spec/mluvii.yaml → spec/mluvii.yaml + extra.yaml: 2 changes: 1 wire-breaking, 0 Go-API-breaking, 1 compatible\n",
		"extra.yaml:6:5: activity Typing: retry safe → unsafe [wire-breaking]\n",
		"extra.yaml:3:14: type GroupState: value PAUSED added [compatible]\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("overlay diff lacks %q:\n%s", want, r.stdout)
		}
	}
	// The same overlay on both sides cancels out.
	expect(t, runCLI("diff", "embedded", "embedded", "--overlay", "extra.yaml", "--old-overlay", "extra.yaml", "--fail-on", "go-breaking"), exitOK)
}

func TestDiffErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string // in stderr
	}{
		{[]string{"diff", "embedded"}, exitUsage, `diff takes two specs, OLD and NEW (a file, or "embedded"), got 1`},
		{[]string{"diff", "embedded", "embedded", "--format", "yaml"}, exitUsage, `--format "yaml" must be text, markdown or json`},
		{[]string{"diff", "embedded", "embedded", "--fail-on", "any"}, exitUsage, `--fail-on "any" must be breaking, go-breaking or none`},
		{[]string{"diff", "missing.yaml", "embedded"}, exitFail, "mluviigen: OLD missing.yaml: open missing.yaml: "},
		{[]string{"diff", "embedded", filepath.Join(goldenDir, "err_unknown_type", "spec.yaml")}, exitFail, `unknown type "GroupStat"`},
	} {
		r := runCLI(tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
}

// TestOverlayFlag: --overlay reaches the generator, in order, named in the
// header; conflicts print as the golden case expects and write nothing.
func TestOverlayFlag(t *testing.T) {
	dir := newModule(t, "overlay_add_activity")
	writeFile(t, filepath.Join(dir, "overlay.yaml"), readFile(t, filepath.Join(goldenDir, "overlay_add_activity", "overlay.yaml")))
	r := runFake("--spec", "spec.yaml", "--overlay", "overlay.yaml", "--out", "out")
	expect(t, r, exitOK)
	got := readFile(t, filepath.Join("out", "activities_gen.go"))
	for _, want := range []string{"from ../spec.yaml + ../overlay.yaml. DO NOT EDIT.", "// activities: Text SendText GetQueuePosition GetQueuePositionResponse\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("activities_gen.go lacks %q:\n%s", want, got)
		}
	}
	conflict := filepath.Join(goldenDir, "err_overlay_conflict")
	t.Chdir(conflict)
	r = runFake("--spec", "spec.yaml", "--overlay", "overlay1.yaml", "--overlay", "overlay2.yaml", "--out", filepath.Join(dir, "out2"), "--import-path", "example.com/x")
	expect(t, r, exitFail)
	if want := readFile(t, "stderr.golden"); r.stderr != want {
		t.Errorf("stderr:\n%s\nwant (stderr.golden):\n%s", r.stderr, want)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "out2", "*")); len(m) > 0 {
		t.Errorf("a failed generation wrote %v", m)
	}
}

// TestOverlayDuplicate: a node declared twice in one overlay (SendSticker,
// retry: unsafe and then retry: safe) fails the run like a conflict, with the
// errors of every overlay, and writes nothing.
func TestOverlayDuplicate(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	t.Chdir(filepath.Join(goldenDir, "err_overlay_duplicate"))
	r := runFake("--spec", "spec.yaml", "--overlay", "overlay1.yaml", "--overlay", "overlay2.yaml", "--out", out, "--import-path", "example.com/x")
	expect(t, r, exitFail)
	if want := readFile(t, "stderr.golden"); r.stderr != want {
		t.Errorf("stderr:\n%s\nwant (stderr.golden):\n%s", r.stderr, want)
	}
	if m, _ := filepath.Glob(filepath.Join(out, "*")); len(m) > 0 {
		t.Errorf("a failed generation wrote %v", m)
	}
}
