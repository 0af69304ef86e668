package main

import (
	"html"
	"net/url"
	"strings"
)

// sanitizeHTML renders a bot's message text as HTML the way mluvii's chat
// window shows it: <strong>, <em> and <a href> are kept (mluvii converts
// exactly these per channel), everything else is escaped and shows as text.
//
// The result is safe to put into innerHTML: tags are rebuilt from scratch
// (no attribute but a checked href survives), links get only http, https,
// mailto and tel URLs, unmatched closing tags are escaped, and tags left open
// are closed at the end. A tag runs from "<" to the first ">" and holds no
// other "<" (an attribute writes both as &lt; and &gt;).
//
// It takes time linear in the text: one pass, each byte looked at a bounded
// number of times, however the text is built (a bot's text is sanitized again
// for every open page).
func sanitizeHTML(text string) string { return sanitize(text, nil) }

// sanitize is sanitizeHTML; when work is not nil it adds the number of input
// bytes each step looked at, for the tests that check the total is linear.
func sanitize(text string, work *int) string {
	count := func(n int) {
		if work != nil {
			*work += n
		}
	}
	var b strings.Builder
	b.Grow(len(text))
	var open []string // allowed tags opened so far, innermost last (at most one each)
	lts := nextByte{s: text, c: '<', at: -1, work: count}
	gts := nextByte{s: text, c: '>', at: -1, work: count}
	for pos := 0; ; {
		lt := lts.from(pos)
		if lt > pos {
			count(lt - pos)
			b.WriteString(escapeText(text[pos:lt]))
		}
		if lt == len(text) {
			break
		}
		// A tag candidate is text[lt:end+1] with no "<" inside: the
		// candidates are disjoint, so judging them costs len(text) at most.
		if end := gts.from(lt); end < lts.from(lt+1) {
			tag := text[lt : end+1]
			count(len(tag))
			if out, ok := allowedTag(tag, open); ok {
				b.WriteString(out.html)
				if out.closing {
					open = open[:len(open)-1]
				} else {
					open = append(open, out.name)
				}
				pos = end + 1
				continue
			}
		}
		b.WriteString("&lt;")
		pos = lt + 1
	}
	for i := len(open) - 1; i >= 0; i-- {
		b.WriteString("</" + open[i] + ">")
	}
	return b.String()
}

// nextByte finds the first c in s at or after a position that never goes
// back, so it reads each byte of s at most once.
type nextByte struct {
	s    string
	c    byte
	at   int // the last answer: an index of c, len(s) for none, -1 before the first
	work func(n int)
}

// from returns the index of the first c at or after i (i must not be less
// than in the call before), or len(s) when there is none.
func (n *nextByte) from(i int) int {
	if n.at >= i {
		return n.at // also len(s): none after an earlier i, so none after i
	}
	j := strings.IndexByte(n.s[i:], n.c)
	if j < 0 {
		n.work(len(n.s) - i)
		n.at = len(n.s)
	} else {
		n.work(j + 1)
		n.at = i + j
	}
	return n.at
}

// escapeText escapes text between tags. The text is HTML, so its entities
// (&lt;, &amp;, &#233;, …) mean what they say; they are decoded first, so
// that what is shown is exactly what mluvii's chat window shows.
func escapeText(s string) string {
	return html.EscapeString(html.UnescapeString(s))
}

// tagOut is an allowed tag as rebuilt for the output.
type tagOut struct {
	name    string
	closing bool
	html    string
}

// allowedTag reports the rebuilt form of tag ("<…>", no other "<" or ">"
// inside) when it is one of the allowed tags in a valid place.
func allowedTag(tag string, open []string) (tagOut, bool) {
	inner := tag[1 : len(tag)-1]
	if strings.HasPrefix(inner, "/") {
		name := strings.ToLower(strings.TrimSpace(inner[1:]))
		if len(open) == 0 || open[len(open)-1] != name {
			return tagOut{}, false
		}
		return tagOut{name: name, closing: true, html: "</" + name + ">"}, true
	}
	name, attrs := inner, ""
	if i := strings.IndexAny(inner, " \t\r\n"); i >= 0 {
		name, attrs = inner[:i], inner[i+1:]
	}
	name = strings.ToLower(strings.TrimSuffix(name, "/"))
	switch {
	case name == "strong" || name == "em":
		if strings.TrimSpace(attrs) != "" || nested(open, name) {
			return tagOut{}, false
		}
		return tagOut{name: name, html: "<" + name + ">"}, true
	case name == "a" && !nested(open, "a"):
		href, ok := hrefOf(attrs)
		if !ok {
			return tagOut{}, false
		}
		return tagOut{name: "a", html: `<a href="` + html.EscapeString(href) +
			`" target="_blank" rel="noopener noreferrer">`}, true
	}
	return tagOut{}, false
}

func nested(open []string, name string) bool {
	for _, t := range open {
		if t == name {
			return true
		}
	}
	return false
}

// hrefOf finds href="…" (or '…', or unquoted) among a tag's attributes and
// returns it when it is a safe absolute URL. Other attributes are ignored.
func hrefOf(attrs string) (string, bool) {
	for rest := strings.TrimSpace(attrs); rest != ""; rest = strings.TrimSpace(rest) {
		key, val, n := nextAttr(rest) // n >= 1: rest starts with no space
		rest = rest[n:]
		if strings.EqualFold(key, "href") {
			return safeURL(html.UnescapeString(val))
		}
	}
	return "", false
}

// nextAttr reads one attribute (key, key=value, key="value", key='value') and
// returns how much of s it took.
func nextAttr(s string) (key, val string, n int) {
	i := strings.IndexAny(s, "= \t\r\n")
	if i < 0 {
		return s, "", len(s)
	}
	key = s[:i]
	if s[i] != '=' {
		return key, "", i
	}
	v := s[i+1:]
	if v != "" && (v[0] == '"' || v[0] == '\'') {
		if j := strings.IndexByte(v[1:], v[0]); j >= 0 {
			return key, v[1 : 1+j], i + 1 + j + 2
		}
		return key, v[1:], len(s)
	}
	if j := strings.IndexAny(v, " \t\r\n"); j >= 0 {
		return key, v[:j], i + 1 + j
	}
	return key, v, len(s)
}

// safeURL accepts absolute http, https, mailto and tel URLs.
func safeURL(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return raw, u.Host != ""
	case "mailto", "tel":
		return raw, u.Opaque != ""
	}
	return "", false
}
