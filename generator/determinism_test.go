package generator

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/mluviigen/mluviigen/spec"
)

// generatedDir is the committed output for the default spec, relative to this
// package.
var generatedDir = filepath.Join("..", "generated", "mluvii")

// defaultOptions are the options the CLI uses for "go run ./cmd/mluviigen":
// the import path computed from go.mod for generated/mluvii, the embedded spec
// named spec/mluvii.yaml, and the package named by the spec.
func defaultOptions(t *testing.T) Options {
	t.Helper()
	importPath, err := ImportPathFor(generatedDir)
	if err != nil {
		t.Fatal(err)
	}
	if want := "github.com/mluviigen/mluviigen/generated/mluvii"; importPath != want {
		t.Fatalf("ImportPathFor(%s) = %q, want %q", generatedDir, importPath, want)
	}
	// generated/mluvii includes the optional NATS subpackage, so that it is
	// vetted, tested and kept fresh like the rest.
	return Options{ImportPath: importPath, SpecPath: spec.DefaultPath}
}

// TestGeneratedUpToDate fails when generated/mluvii differs from what the
// embedded spec generates. With -update (or MLUVIIGEN_UPDATE=1) it rewrites it,
// as "go run ./cmd/mluviigen --clean" would.
func TestGeneratedUpToDate(t *testing.T) {
	files, err := FromSpec(spec.DefaultPath, spec.DefaultYAML, defaultOptions(t))
	if err != nil {
		t.Fatalf("generating from %s:\n%v", spec.DefaultPath, err)
	}
	if updating() {
		if err := files.WriteDir(generatedDir, true); err != nil {
			t.Fatal(err)
		}
		return
	}
	diff, err := files.Diff(generatedDir)
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Errorf("generated/mluvii is stale; run `go run ./cmd/mluviigen --clean` (diff from disk to generated):\n%s", abbreviate(diff, 200))
	}
}

// abbreviate keeps a long diff readable in a test log: the list of files it
// touches, then its first max lines.
func abbreviate(diff string, max int) string {
	lines := strings.SplitAfter(diff, "\n")
	if len(lines) <= max {
		return diff
	}
	var b strings.Builder
	b.WriteString("files:\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "+++ ") || strings.HasPrefix(l, "--- ") {
			b.WriteString("  " + l)
		}
	}
	b.WriteString(strings.Join(lines[:max], ""))
	fmt.Fprintf(&b, "... (%d more lines)\n", len(lines)-max)
	return b.String()
}

// TestDeterministic generates the default spec twice and requires identical
// bytes: nothing may depend on map order, time or addresses.
func TestDeterministic(t *testing.T) {
	opts := defaultOptions(t)
	first, err := FromSpec(spec.DefaultPath, spec.DefaultYAML, opts)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		again, err := FromSpec(spec.DefaultPath, spec.DefaultYAML, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, problem := range compareFiles(first, again) {
			t.Error(problem)
		}
	}
}

// TestDeterministicShuffledSpec reorders the keys of every YAML mapping (lists
// keep their order, which is meaningful) and requires the same output: order in
// the output may come from spec lists only, never from mapping order (channel
// matrix rows, keyAliases, the order of keys in an activity). It runs on the
// default spec and on every golden spec that generates.
func TestDeterministicShuffledSpec(t *testing.T) {
	type input struct {
		name, path string
		data       []byte
		opts       Options
	}
	inputs := []input{{"default", spec.DefaultPath, spec.DefaultYAML, defaultOptions(t)}}
	for _, c := range goldenCases(t) {
		if !c.wantsError() {
			inputs = append(inputs, input{c.name, goldenSpec, c.spec(t), c.options(t)})
		}
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			want, err := FromSpec(in.path, in.data, in.opts)
			if err != nil {
				t.Fatal(err)
			}
			wantAPI, err := LoadAPI(in.path, in.data)
			if err != nil {
				t.Fatal(err)
			}
			plain := reencode(t, in.data, nil)
			reordered := 0
			for seed := range uint64(5) {
				shuffled := reencode(t, in.data, rand.New(rand.NewPCG(seed, 0x6d6c757669690000)))
				if !bytes.Equal(shuffled, plain) {
					reordered++
				}
				got, err := FromSpec(in.path, shuffled, in.opts)
				if err != nil {
					t.Fatalf("seed %d: the shuffled spec does not load:\n%v\n%s", seed, err, shuffled)
				}
				for _, problem := range compareFiles(want, got) {
					t.Errorf("seed %d: %s", seed, problem)
				}
				// The IR too: emitters may rely on its order.
				gotAPI, _ := LoadAPI(in.path, shuffled)
				if d := cmp.Diff(wantAPI, gotAPI); d != "" {
					t.Errorf("seed %d: the IR depends on mapping order (-want +got):\n%s", seed, d)
				}
			}
			if reordered == 0 {
				t.Fatal("no seed reordered the spec; the test proves nothing")
			}
		})
	}
}

// reencode parses data as YAML, shuffles the key/value pairs of every mapping
// with r (none when r is nil) and encodes it again.
func reencode(t *testing.T, data []byte, r *rand.Rand) []byte {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if r != nil {
		shuffleMappings(&doc, r)
	}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return []byte(b.String())
}

// shuffleMappings permutes the key/value pairs of every mapping node under n.
func shuffleMappings(n *yaml.Node, r *rand.Rand) {
	for _, c := range n.Content {
		shuffleMappings(c, r)
	}
	if n.Kind != yaml.MappingNode {
		return
	}
	pairs := n.Content
	r.Shuffle(len(pairs)/2, func(i, j int) {
		pairs[2*i], pairs[2*j] = pairs[2*j], pairs[2*i]
		pairs[2*i+1], pairs[2*j+1] = pairs[2*j+1], pairs[2*i+1]
	})
}
