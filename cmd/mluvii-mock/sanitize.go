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
// are closed at the end.
func sanitizeHTML(text string) string {
	var b strings.Builder
	var open []string // allowed tags opened so far, innermost last
	for len(text) > 0 {
		lt := strings.IndexByte(text, '<')
		if lt < 0 {
			b.WriteString(escapeText(text))
			break
		}
		b.WriteString(escapeText(text[:lt]))
		text = text[lt:]
		n, out, ok := allowedTag(text, open)
		if !ok {
			b.WriteString("&lt;")
			text = text[1:]
			continue
		}
		b.WriteString(out.html)
		if out.closing {
			open = open[:len(open)-1]
		} else {
			open = append(open, out.name)
		}
		text = text[n:]
	}
	for i := len(open) - 1; i >= 0; i-- {
		b.WriteString("</" + open[i] + ">")
	}
	return b.String()
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

// allowedTag reads the tag at the start of s ("<…>") and reports its length
// and rebuilt form when it is one of the allowed tags in a valid place.
func allowedTag(s string, open []string) (int, tagOut, bool) {
	end := strings.IndexByte(s, '>')
	if end < 0 {
		return 0, tagOut{}, false
	}
	inner := s[1:end]
	if strings.HasPrefix(inner, "/") {
		name := strings.ToLower(strings.TrimSpace(inner[1:]))
		if len(open) == 0 || open[len(open)-1] != name {
			return 0, tagOut{}, false
		}
		return end + 1, tagOut{name: name, closing: true, html: "</" + name + ">"}, true
	}
	name, attrs := inner, ""
	if i := strings.IndexAny(inner, " \t\r\n"); i >= 0 {
		name, attrs = inner[:i], inner[i+1:]
	}
	name = strings.ToLower(strings.TrimSuffix(name, "/"))
	switch {
	case name == "strong" || name == "em":
		if strings.TrimSpace(attrs) != "" || nested(open, name) {
			return 0, tagOut{}, false
		}
		return end + 1, tagOut{name: name, html: "<" + name + ">"}, true
	case name == "a" && !nested(open, "a"):
		// The href may hold ">" only escaped, so the first ">" ends the tag.
		href, ok := hrefOf(attrs)
		if !ok {
			return 0, tagOut{}, false
		}
		return end + 1, tagOut{name: "a", html: `<a href="` + html.EscapeString(href) +
			`" target="_blank" rel="noopener noreferrer">`}, true
	}
	return 0, tagOut{}, false
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
