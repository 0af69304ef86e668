package ir

import (
	"strings"
	"unicode"
)

// initialisms are written in upper case in Go names (the plural keeps a lower s).
var initialisms = map[string]string{
	"id": "ID", "ids": "IDs", "url": "URL", "urls": "URLs", "psid": "PSID",
	"guid": "GUID", "uuid": "UUID", "vk": "VK", "api": "API", "http": "HTTP",
	"json": "JSON", "html": "HTML",
}

// GoName turns a wire name (camelCase, PascalCase, UPPER_SNAKE) into an
// exported Go name with initialisms: groupIds → GroupIDs, fileUrl → FileURL,
// facebookPSID → FacebookPSID, BUSINESS_HOURS → BusinessHours.
func GoName(wire string) string {
	var b strings.Builder
	for _, w := range splitWords(wire) {
		if up, ok := initialisms[strings.ToLower(w)]; ok {
			b.WriteString(up)
			continue
		}
		rs := []rune(w)
		if isUpper(w) {
			rs = []rune(strings.ToLower(w))
		}
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	return b.String()
}

// splitWords splits at separators, at lower→upper changes, and before the
// last capital of an upper-case run followed by a lower-case letter (PSIDValue →
// PSID Value). A run of capitals followed by a lower-case "s" stays one word
// when it is a known plural initialism (IDs, URLs).
func splitWords(s string) []string {
	var words []string
	rs := []rune(s)
	start := 0
	flush := func(end int) {
		if end > start {
			words = append(words, string(rs[start:end]))
		}
		start = end
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == '_' || r == '-' || r == ' ' || r == '.' {
			flush(i)
			start = i + 1
			continue
		}
		if i == start {
			continue
		}
		prev := rs[i-1]
		switch {
		case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			flush(i)
		case unicode.IsUpper(prev) && unicode.IsUpper(r) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
			if _, plural := initialisms[strings.ToLower(string(rs[start:i+2]))]; !plural {
				flush(i)
			}
		}
	}
	flush(len(rs))
	return words
}

func isUpper(s string) bool {
	hasLetter := false
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		hasLetter = hasLetter || unicode.IsLetter(r)
	}
	return hasLetter
}
