package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load parses and validates a spec. Problems come back as an ErrorList, each
// positioned in filename (used verbatim): those of Parse and of Validate
// together, so one run shows every problem (LoadOverlaid explains how).
func Load(filename string, data []byte) (*Spec, error) {
	return LoadOverlaid(Source{Path: filename, Data: data})
}

// Parse reads a spec without validating it. Unknown keys, duplicate keys and
// values of the wrong kind are reported, all at once, as an ErrorList; the spec
// is returned with them, holding everything else, so that it can still be
// validated. It is nil only when the YAML itself cannot be read.
func Parse(filename string, data []byte) (*Spec, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		// No document (an empty file, or only comments): an empty spec. As a
		// base it fails validation; as an overlay it changes nothing.
		return &Spec{Pos: Pos{File: filename}}, nil
	} else if err != nil {
		return nil, ErrorList{tabHint(syntaxError(filename, err), data)}
	}
	var errs ErrorList
	s := new(Spec)
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	p := parser{file: filename, errs: &errs}
	p.decode(root, reflect.ValueOf(s).Elem())
	return s, errs.Err()
}

// syntaxError turns a yaml.v3 error ("yaml: line 3: …") into a positioned Error.
func syntaxError(file string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if l, convErr := strconv.Atoi(n); convErr == nil {
				line, msg = l, after
			}
		}
	}
	if parserProblems[msg] {
		// yaml.v3 reports parser (not scanner) errors with a 0-based line: that
		// of the construct being parsed, e.g. the unterminated flow mapping.
		line++
	}
	return &Error{Pos: Pos{File: file, Line: line}, Msg: "invalid YAML: " + msg}
}

// tabHint explains a syntax error that a tab in the indentation caused:
// yaml.v3 reports it as a character that cannot start a token, or a tab that
// violates indentation, on the tab's line or the one before. The error moves
// to the tab and says what to do.
func tabHint(e *Error, data []byte) *Error {
	lines := strings.Split(string(data), "\n")
	tabAt := func(line int) int { // 1-based column of a tab in line's indentation, or 0
		if line < 1 || line > len(lines) {
			return 0
		}
		l := lines[line-1]
		indent := len(l) - len(strings.TrimLeft(l, " \t"))
		return strings.IndexByte(l[:indent], '\t') + 1
	}
	for _, line := range []int{e.Pos.Line, e.Pos.Line + 1} {
		if col := tabAt(line); col > 0 {
			e.Pos.Line, e.Pos.Col = line, col
			e.Msg += " (YAML does not allow tabs for indentation; use spaces)"
			return e
		}
	}
	return e
}

// parserProblems are yaml.v3's parser error messages, which it positions one
// line early (gopkg.in/yaml.v3 parserc.go; scanner errors are right).
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"found undefined tag handle":             true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// parser decodes yaml.Nodes into the spec types by reflection, recording the
// position of every mapping (Pos) and of every key in it (Keys).
type parser struct {
	file string
	errs *ErrorList
}

var (
	posType  = reflect.TypeFor[Pos]()
	keysType = reflect.TypeFor[map[string]Pos]()
	cellType = reflect.TypeFor[Cell]()
)

func (p *parser) pos(n *yaml.Node) Pos { return Pos{File: p.file, Line: n.Line, Col: n.Column} }

func (p *parser) decode(n *yaml.Node, v reflect.Value) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" && v.Kind() != reflect.String {
		return // null leaves the zero value
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		p.decode(n, v.Elem())
	case reflect.Struct:
		if v.Type() == cellType && n.Kind == yaml.ScalarNode {
			v.FieldByName("Support").SetString(n.Value)
			v.FieldByName("Pos").Set(reflect.ValueOf(p.pos(n)))
			return
		}
		p.decodeStruct(n, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			p.errs.Add(p.pos(n), "expected a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			p.decode(c, s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		p.decodeMap(n, v)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			p.errs.Add(p.pos(n), "expected a string, got %s", describe(n))
			return
		}
		if n.Tag != "!!null" {
			v.SetString(n.Value)
		}
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || err != nil {
			p.errs.Add(p.pos(n), "expected true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int64:
		i, err := strconv.ParseInt(n.Value, 0, 64)
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil {
			p.errs.Add(p.pos(n), "expected an integer, got %s", describe(n))
			return
		}
		v.SetInt(i)
	default:
		panic(fmt.Sprintf("spec: no decoder for %s", v.Type()))
	}
}

func (p *parser) decodeStruct(n *yaml.Node, v reflect.Value) {
	if f := v.FieldByName("Pos"); f.IsValid() && f.Type() == posType {
		f.Set(reflect.ValueOf(p.pos(n)))
	}
	if n.Kind != yaml.MappingNode {
		p.errs.Add(p.pos(n), "expected a mapping, got %s", describe(n))
		return
	}
	t := v.Type()
	fields := map[string]int{}
	var names []string
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			fields[tag] = i
			names = append(names, tag)
		}
	}
	keys := map[string]Pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if first, dup := keys[k.Value]; dup {
			p.errs.Add(p.pos(k), "duplicate key %q (first at %d:%d)", k.Value, first.Line, first.Col)
			continue
		}
		keys[k.Value] = p.pos(k)
		idx, ok := fields[k.Value]
		if !ok {
			p.errs.Add(p.pos(k), "unknown key %q%s", k.Value, didYouMean(k.Value, names))
			p.errs.cover(p.pos(n)) // the mapping lacks the key meant
			continue
		}
		before := len(*p.errs)
		p.decode(val, v.Field(idx))
		for _, e := range (*p.errs)[before:] {
			if e.Pos == p.pos(val) { // the value itself is of the wrong kind
				e.covers = append(e.covers, p.pos(k), p.pos(n))
			}
		}
	}
	if f := v.FieldByName("Keys"); f.IsValid() && f.Type() == keysType {
		f.Set(reflect.ValueOf(keys))
	}
}

func (p *parser) decodeMap(n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		p.errs.Add(p.pos(n), "expected a mapping, got %s", describe(n))
		return
	}
	m := reflect.MakeMap(v.Type())
	seen := map[string]Pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if first, dup := seen[k.Value]; dup {
			p.errs.Add(p.pos(k), "duplicate key %q (first at %d:%d)", k.Value, first.Line, first.Col)
			continue
		}
		seen[k.Value] = p.pos(k)
		elem := reflect.New(v.Type().Elem()).Elem()
		p.decode(val, elem)
		m.SetMapIndex(reflect.ValueOf(k.Value), elem)
	}
	v.Set(m)
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

// DidYouMean returns ` (did you mean "X"?)` for the candidate closest to got
// (ignoring letter case), or "" when none is close.
func DidYouMean(got string, candidates []string) string { return didYouMean(got, candidates) }

// didYouMean suggests the closest candidate, or returns "".
func didYouMean(got string, candidates []string) string {
	best, bestDist := "", 0
	for _, c := range candidates {
		d := distance(strings.ToLower(got), strings.ToLower(c))
		if best == "" || d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	if best == "" || bestDist > max(2, len(got)/3) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
