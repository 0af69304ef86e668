package spec

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// The sources table and the source strings that cite it.
//
// A spec's top-level sources: lists the documents its facts come from, each
// under a short key (CA, D1, CA-log). The free-text source strings of
// activities (source, channelSource), fields, types, enum values and channel
// cells cite those keys:
//
//   - A source string is a list of citations separated by ';' or ',' outside
//     parentheses and double quotes: "CA Foo.cs (Bar); D1 (a, b), D2" holds the
//     citations "CA Foo.cs (Bar)", "D1 (a, b)" and "D2". Parentheses and quotes
//     must be balanced, and no citation may be empty.
//   - A citation that starts with an upper-case ASCII letter cites a key: the
//     longest start of it made of letters and digits, in parts joined by single
//     hyphens ("CA-log 7f1d14e" cites CA-log, "D1: …" cites D1). The key must
//     be in the sources table (keys match exactly, in letter case too).
//   - Any other citation ("inferred: …", "our tests, 2025-05") is a remark and
//     cites nothing.
//
// So the table is needed exactly when a key is cited. Overlays may add entries,
// and cite them as well as the base's.

// Reference is one entry of the sources table.
type Reference struct {
	// Key is what source strings cite: an upper-case letter, then letters and
	// digits, in parts joined by single hyphens (CA, D1, CA-log).
	Key string `yaml:"key"`
	// Title says what the source is.
	Title string `yaml:"title"`
	// URL is the source's address, absolute http or https; a source without a
	// public address (one's own tests) has none.
	URL string `yaml:"url"`

	Pos  Pos            `yaml:"-"`
	Keys map[string]Pos `yaml:"-"`
}

func (r *Reference) nameAt() (string, Pos) { return r.Key, keyPos(r.Keys, "key", r.Pos) }

var sourceKeyRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*`)

const msgDuplicateSource = "duplicate source key %q (first defined at %s)"

// Citations splits a source string into its citations, trimmed, and returns
// the keys they cite (one per citation, "" for a remark). A blank string has
// none. An unbalanced parenthesis or quote, or an empty citation, is an error.
func Citations(s string) (citations, keys []string, err error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil, nil
	}
	depth, quoted, start := 0, false, 0
	cut := func(end int) error {
		c := strings.TrimSpace(s[start:end])
		if c == "" {
			return fmt.Errorf("empty citation (citations are separated by ';' or ',')")
		}
		citations = append(citations, c)
		keys = append(keys, citedKey(c))
		start = end + 1
		return nil
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				return nil, nil, fmt.Errorf("unbalanced ')' at byte %d", i+1)
			}
			depth--
		case depth == 0 && (c == ';' || c == ','):
			if err := cut(i); err != nil {
				return nil, nil, err
			}
		}
	}
	switch {
	case quoted:
		return nil, nil, fmt.Errorf("unterminated '\"'")
	case depth > 0:
		return nil, nil, fmt.Errorf("unclosed '('")
	}
	if err := cut(len(s)); err != nil {
		return nil, nil, err
	}
	return citations, keys, nil
}

// citedKey is the key a citation starts with, or "" for a remark.
func citedKey(citation string) string { return sourceKeyRE.FindString(citation) }

// sources checks the sources table and every citation of it.
func (v *validator) sources() {
	table := map[string]*Reference{}
	var known []string
	for _, r := range v.s.Sources {
		at := keyPos(r.Keys, "key", r.Pos)
		switch first := table[r.Key]; {
		case sourceKeyRE.FindString(r.Key) != r.Key:
			v.errs.Add(at, "source key %q is not a key (an upper-case letter, then letters and digits, in parts joined by single hyphens: CA, D1, CA-log)", r.Key)
		case first != nil:
			v.errs.Add(at, msgDuplicateSource, r.Key, keyPos(first.Keys, "key", first.Pos).RelativeTo(at))
		default:
			table[r.Key] = r
			known = append(known, r.Key)
		}
		if strings.TrimSpace(r.Title) == "" {
			v.errs.Add(r.Pos, "source %q has no title", r.Key)
		}
		if r.URL != "" {
			if u, err := url.Parse(r.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				v.errs.Add(keyPos(r.Keys, "url", r.Pos), "source %q: url %q is not an absolute http or https URL", r.Key, r.URL)
			}
		}
	}
	cite := func(s string, at Pos) {
		citations, keys, err := Citations(s)
		if err != nil {
			v.errs.Add(at, "source %q: %v", s, err)
			return
		}
		for i, key := range keys {
			if key == "" || table[key] != nil {
				continue
			}
			hint := didYouMean(key, known)
			switch {
			case len(v.s.Sources) == 0:
				hint = " (the spec has no sources table)"
			case hint == "":
				hint = " (a citation that starts with an upper-case letter names a key of the sources table)"
			}
			v.errs.Add(at, "unknown source key %q in citation %q%s", key, citations[i], hint)
		}
	}
	fields := func(fs []*Field) {
		for _, f := range fs {
			cite(f.Source, keyPos(f.Keys, "source", f.Pos))
		}
	}
	fields(v.s.Envelope)
	for _, t := range v.s.Types {
		cite(t.Source, keyPos(t.Keys, "source", t.Pos))
		fields(t.Fields)
		for _, ev := range t.Values {
			cite(ev.Source, keyPos(ev.Keys, "source", ev.Pos))
		}
	}
	for _, a := range v.s.Activities {
		cite(a.Source, keyPos(a.Keys, "source", a.Pos))
		cite(a.ChannelSource, keyPos(a.Keys, "channelSource", a.Pos))
		for _, name := range sortedKeys(a.Channels) {
			if c := a.Channels[name]; c != nil {
				cite(c.Source, keyPos(c.Keys, "source", c.Pos))
			}
		}
		fields(a.Fields)
	}
}
