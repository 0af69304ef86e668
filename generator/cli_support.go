package generator

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
)

// This file holds the small pieces the CLI and the tests share, so that the
// command line, the golden harness and the freshness test run exactly the same
// pipeline with the same defaults.

// LoadAPI parses, validates and builds a spec, with the overlays merged into it
// in order (spec.LoadOverlaid). specPath names the spec in positions (used
// verbatim: "spec/mluvii.yaml", "spec.yaml"), as each overlay's Path names it.
// Spec problems come back as a spec.ErrorList.
func LoadAPI(specPath string, data []byte, overlays ...spec.Source) (*ir.API, error) {
	s, err := spec.LoadOverlaid(spec.Source{Path: specPath, Data: data}, overlays...)
	if err != nil {
		return nil, err
	}
	return Build(s)
}

// FromSpec runs the whole pipeline in memory: LoadAPI, then Generate with the
// options completed by WithDefaults, as the command line does.
func FromSpec(specPath string, data []byte, opts Options, overlays ...spec.Source) (Files, error) {
	api, err := LoadAPI(specPath, data, overlays...)
	if err != nil {
		return nil, err
	}
	return Generate(api, opts.WithDefaults(api, InputName(specPath, overlays)))
}

// InputName names a generation's inputs in the generated headers: the spec,
// followed by " + overlay" for each overlay in order.
func InputName(specPath string, overlays []spec.Source) string {
	name := specPath
	for _, o := range overlays {
		name += " + " + o.Path
	}
	return name
}

// WithDefaults fills the options the user left empty: Package from the spec's
// name, SpecPath from specPath.
func (o Options) WithDefaults(api *ir.API, specPath string) Options {
	if o.Package == "" {
		o.Package = api.Name
	}
	if o.SpecPath == "" {
		o.SpecPath = specPath
	}
	return o
}

// ImportPathFor computes the import path of dir (which need not exist yet) from
// the nearest go.mod in it or above it: the module path joined with dir's path
// relative to the module root. The generated mluviitest subpackage imports its
// parent by this path.
func ImportPathFor(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for root := abs; ; {
		gomod := filepath.Join(root, "go.mod")
		data, err := os.ReadFile(gomod)
		switch {
		case err == nil:
			mod, err := ModulePath(data)
			if err != nil {
				return "", fmt.Errorf("%s: %v", gomod, err)
			}
			rel, err := filepath.Rel(root, abs)
			if err != nil {
				return "", err
			}
			return path.Join(mod, filepath.ToSlash(rel)), nil
		case !errors.Is(err, fs.ErrNotExist):
			return "", err
		}
		parent := filepath.Dir(root)
		if parent == root {
			return "", errors.New("no go.mod in it or any directory above it; pass --import-path")
		}
		root = parent
	}
}

// ModulePath returns the module path declared in a go.mod file.
func ModulePath(gomod []byte) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "module")
		if !ok || (rest != "" && !strings.ContainsAny(rest[:1], " \t\"`")) {
			continue // not the module directive (e.g. "modulefoo")
		}
		rest, _, _ = strings.Cut(rest, "//")
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, `"`) || strings.HasPrefix(rest, "`") {
			unq, err := strconv.Unquote(rest)
			if err != nil {
				return "", fmt.Errorf("malformed module path %s", rest)
			}
			rest = unq
		}
		if rest == "" {
			break
		}
		return rest, nil
	}
	return "", errors.New("no module directive")
}
