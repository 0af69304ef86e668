package main

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestSanitizeHTML(t *testing.T) {
	const link = `" target="_blank" rel="noopener noreferrer">`
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"", ""},
		{"<strong>bold</strong> and <em>it</em>", "<strong>bold</strong> and <em>it</em>"},
		{"<STRONG>loud</Strong>", "<strong>loud</strong>"},
		{`<a href="https://mluvii.com/x?a=1&amp;b=2">docs</a>`, `<a href="https://mluvii.com/x?a=1&amp;b=2` + link + `docs</a>`},
		{`<a href='http://example.com'>x</a>`, `<a href="http://example.com` + link + `x</a>`},
		{`<a href=http://example.com>x</a>`, `<a href="http://example.com` + link + `x</a>`},
		{`<a target="_self" href="mailto:a@b.cz" onclick="evil()">mail</a>`, `<a href="mailto:a@b.cz` + link + `mail</a>`},
		{`<a href="tel:+420123">call</a>`, `<a href="tel:+420123` + link + `call</a>`},
		{"<a\nhref=\"https://x.cz\">nl</a>", `<a href="https://x.cz` + link + `nl</a>`},
		// Everything else is text.
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"<b>b</b> <i>i</i> <br>", "&lt;b&gt;b&lt;/b&gt; &lt;i&gt;i&lt;/i&gt; &lt;br&gt;"},
		{`<img src=x onerror=alert(1)>`, "&lt;img src=x onerror=alert(1)&gt;"},
		{`<strong onclick="x()">s</strong>`, `&lt;strong onclick=&#34;x()&#34;&gt;s&lt;/strong&gt;`},
		{`<a href="javascript:alert(1)">x</a>`, `&lt;a href=&#34;javascript:alert(1)&#34;&gt;x&lt;/a&gt;`},
		{`<a href="JaVaScRiPt:alert(1)">x</a>`, `&lt;a href=&#34;JaVaScRiPt:alert(1)&#34;&gt;x&lt;/a&gt;`},
		{`<a href="&#106;avascript:alert(1)">x</a>`, `&lt;a href=&#34;javascript:alert(1)&#34;&gt;x&lt;/a&gt;`},
		{`<a href="data:text/html,<script>">x</a>`, `&lt;a href=&#34;data:text/html,&lt;script&gt;&#34;&gt;x&lt;/a&gt;`},
		{`<a href="/relative">x</a>`, `&lt;a href=&#34;/relative&#34;&gt;x&lt;/a&gt;`},
		{`<a>no href</a>`, `&lt;a&gt;no href&lt;/a&gt;`},
		{`<a href="https://x.cz" title="a>b">x</a>`, `<a href="https://x.cz` + link + `b&#34;&gt;x</a>`},
		// A tag holds no "<": the first "<" starts text, the second a tag.
		{`<a href="https://x.cz" title="a<b">x</a>`, `&lt;a href=&#34;https://x.cz&#34; title=&#34;a&lt;b&#34;&gt;x&lt;/a&gt;`},
		{`<a href="https://x.cz/<em>">x</a>`, `&lt;a href=&#34;https://x.cz/<em>&#34;&gt;x&lt;/a&gt;</em>`},
		{"<<strong>x</strong>", "&lt;<strong>x</strong>"},
		{"</<strong>x</strong>", "&lt;/<strong>x</strong>"},
		// Entities are HTML: shown as what they mean, never as markup.
		{"&lt;b&gt;hi&lt;/b&gt; &amp; caf&#233;", "&lt;b&gt;hi&lt;/b&gt; &amp; café"},
		{"a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"},
		{`"quotes" 'too'`, "&#34;quotes&#34; &#39;too&#39;"},
		// Balance: stray closers are text, open tags are closed, no nesting.
		{"</strong>x", "&lt;/strong&gt;x"},
		{"<strong>open", "<strong>open</strong>"},
		{"<strong><em>both</strong></em>", "<strong><em>both&lt;/strong&gt;</em></strong>"},
		{"<strong><strong>x</strong></strong>", "<strong>&lt;strong&gt;x</strong>&lt;/strong&gt;"},
		{`<a href="https://a.cz"><a href="https://b.cz">x</a></a>`, `<a href="https://a.cz` + link + `&lt;a href=&#34;https://b.cz&#34;&gt;x</a>&lt;/a&gt;`},
		{"<em>unclosed <strong>two", "<em>unclosed <strong>two</strong></em>"},
		{"<", "&lt;"},
		{"<strong", "&lt;strong"},
		{"<<strong>>", "&lt;<strong>&gt;</strong>"},
	}
	for _, tt := range tests {
		got := sanitizeHTML(tt.in)
		if got != tt.want {
			t.Errorf("sanitizeHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		checkSafeHTML(t, tt.in, got)
	}
}

// FuzzSanitizeHTML checks that whatever the bot sends, the result has only
// the allowed tags, balanced, with safe links.
func FuzzSanitizeHTML(f *testing.F) {
	for _, s := range []string{
		"<strong>x</strong>", `<a href="https://x.cz">y</a>`, "<script>", `<a href="javascript:x">`,
		"<em><strong></em></strong>", "&lt;&#0;&#x110000;", `<a href='mailto:x' x=">">`, "<a href=\"\x00http://x\">",
		`<a href="https://x.cz" title="a<b">x</a>`, "<<<strong>>>", "</</strong>", "<a <a href=https://x.cz>",
	} {
		f.Add(s)
	}
	for _, a := range adversarial {
		f.Add(a.gen(64))
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkSafeHTML(t, in, sanitizeHTML(in))
	})
}

// FuzzSanitizeSameAsReference checks the one-pass sanitizer against the
// straightforward one it replaced (which rescans the rest of the text for
// every "<"), given the rule that a tag holds no "<".
func FuzzSanitizeSameAsReference(f *testing.F) {
	for _, s := range []string{
		"<strong>x</strong>", `<a href="https://x.cz">y</a>`, "<<strong>>", "</ STRONG >", "<em/>", "<strong/ >",
		`<a href="https://x.cz" title="a<b">x</a>`, "<a\thref=https://x.cz>", "<a/ href='tel:1'>", "&lt;<b>&gt;",
		"<strong>\u00a0</strong\u00a0>", "<a href=\"https://x.cz\"\u3000>", "</\u212a>",
	} {
		f.Add(s)
	}
	for _, a := range adversarial {
		f.Add(a.gen(64))
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := sanitizeHTML(in), sanitizeReference(in); got != want {
			t.Fatalf("sanitizeHTML(%q)\n got %q\nwant %q", in, got, want)
		}
	})
}

// sanitizeReference is the sanitizer before it was made linear (quadratic:
// every "<" scans the rest of the text for ">"), plus the one rule the
// linear one adds, marked below.
func sanitizeReference(text string) string {
	var b strings.Builder
	var open []string
	for len(text) > 0 {
		lt := strings.IndexByte(text, '<')
		if lt < 0 {
			b.WriteString(escapeText(text))
			break
		}
		b.WriteString(escapeText(text[:lt]))
		text = text[lt:]
		end := strings.IndexByte(text, '>')
		if end < 0 || strings.Contains(text[1:end], "<") { // the added rule: a tag holds no "<"
			b.WriteString("&lt;")
			text = text[1:]
			continue
		}
		out, ok := allowedTagReference(text[1:end], open)
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
		text = text[end+1:]
	}
	for i := len(open) - 1; i >= 0; i-- {
		b.WriteString("</" + open[i] + ">")
	}
	return b.String()
}

// allowedTagReference is allowedTag as it was, given the text between "<" and ">".
func allowedTagReference(inner string, open []string) (tagOut, bool) {
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

var (
	tagRE  = regexp.MustCompile(`^<(/?)(strong|em|a)(?: href="([^"<>]*)" target="_blank" rel="noopener noreferrer")?>`)
	textRE = regexp.MustCompile(`^[^<>"']*`)
)

// checkSafeHTML fails unless out consists of text without markup characters
// and the allowed tags, balanced, with http(s)/mailto/tel links only.
func checkSafeHTML(t *testing.T, in, out string) {
	t.Helper()
	var open []string
	for rest := out; rest != ""; {
		if n := len(textRE.FindString(rest)); n > 0 {
			rest = rest[n:]
			continue
		}
		m := tagRE.FindStringSubmatch(rest)
		if m == nil {
			t.Fatalf("sanitizeHTML(%q) = %q: unexpected markup at %q", in, out, rest)
		}
		rest = rest[len(m[0]):]
		closing, name, href := m[1] == "/", m[2], m[3]
		switch {
		case closing:
			if len(open) == 0 || open[len(open)-1] != name {
				t.Fatalf("sanitizeHTML(%q) = %q: unbalanced </%s>", in, out, name)
			}
			open = open[:len(open)-1]
		case name == "a" && href == "", name != "a" && strings.Contains(m[0], "href"):
			t.Fatalf("sanitizeHTML(%q) = %q: bad tag %q", in, out, m[0])
		default:
			for _, o := range open {
				if o == name {
					t.Fatalf("sanitizeHTML(%q) = %q: nested <%s>", in, out, name)
				}
			}
			open = append(open, name)
			if name == "a" {
				u, err := url.Parse(html.UnescapeString(href))
				if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto" && u.Scheme != "tel") {
					t.Fatalf("sanitizeHTML(%q) = %q: unsafe href %q", in, out, href)
				}
			}
		}
	}
	if len(open) > 0 {
		t.Fatalf("sanitizeHTML(%q) = %q: unclosed %v", in, out, open)
	}
}

// adversarial are bot texts built to make a sanitizer rescan: tags that never
// end, tags that end only at the very end, nested and stray tags, long
// attributes and entities. Each returns a text of about n bytes.
var adversarial = []struct {
	name string
	gen  func(n int) string
}{
	{"lt", func(n int) string { return strings.Repeat("<", n) }},
	{"lt-b", func(n int) string { return strings.Repeat("<b", n/2) }},
	{"lt-B-gt", func(n int) string { return strings.Repeat("<B", n/2) + ">" }},
	{"lt-a-href", func(n int) string { return strings.Repeat("<a href=", n/8) }},
	{"lt-a-href-gt", func(n int) string { return strings.Repeat(`<a href="https://x.cz/ `, n/22) + ">" }},
	{"lt-a-attrs-gt", func(n int) string { return strings.Repeat(`<a x='" y=`, n/10) + ">" }},
	{"lt-strong", func(n int) string { return strings.Repeat("<strong", n/7) }},
	{"lt-strong-spaces-gt", func(n int) string { return strings.Repeat("<strong  ", n/9) + ">" }},
	{"closers", func(n int) string { return "<strong>" + strings.Repeat("</", n/2) }},
	{"closers-gt", func(n int) string { return "<strong>" + strings.Repeat("</STRONG ", n/9) + ">" }},
	{"open-close", func(n int) string { return strings.Repeat("<strong><em>x</em></strong>", n/27) }},
	{"nested", func(n int) string { return strings.Repeat("<strong>", n/8) }},
	{"one-tag-many-attrs", func(n int) string { return "<a " + strings.Repeat("x ", n/2) + "href=https://x.cz>y" }},
	{"one-long-href", func(n int) string { return `<a href="https://x.cz/` + strings.Repeat("a", n) + `">y</a>` }},
	{"one-tag-spaces", func(n int) string { return "<a" + strings.Repeat(" ", n) + ">" }},
	{"entities", func(n int) string { return strings.Repeat("&amp;&#233;&lt", n/14) }},
	{"long-numeric-entity", func(n int) string { return "&#" + strings.Repeat("0", n) + "65;" }},
}

// TestSanitizeLinear counts the bytes the sanitizer looks at: at most four
// times the input's length for every adversarial text (each byte once in the
// search for "<", once in the one for ">", once in a tag candidate and once
// as text when the candidate is not a tag), so a 128 KiB text costs 16 times
// an 8 KiB one, not 256 times. Each open page sanitizes every bot text: a
// quadratic sanitizer let one 128 KiB Text burn seconds of CPU per page.
// The helpers that judge one candidate are linear in it: see the one-tag-…
// cases of BenchmarkSanitize.
func TestSanitizeLinear(t *testing.T) {
	for _, a := range adversarial {
		small, large := a.gen(8<<10), a.gen(128<<10)
		var ws, wl int
		sanitize(small, &ws)
		sanitize(large, &wl)
		t.Logf("%s: %.2f bytes looked at per byte of 128 KiB", a.name, float64(wl)/float64(len(large)))
		if wl > 4*len(large)+16 {
			t.Errorf("%s: %d bytes looked at for %d bytes of input (%.0f per byte)", a.name, wl, len(large), float64(wl)/float64(len(large)))
		}
		if ratio := float64(wl) / float64(ws); ratio > 1.25*float64(len(large))/float64(len(small)) {
			t.Errorf("%s: 128 KiB costs %.0f times 8 KiB", a.name, ratio)
		}
	}
}

// BenchmarkSanitize runs the adversarial texts at 16 KiB and 128 KiB; ns/byte
// stays flat from one size to the other when sanitizing is linear.
//
//	go test -run '^$' -bench Sanitize -benchtime 20x ./cmd/mluvii-mock
func BenchmarkSanitize(b *testing.B) {
	for _, a := range adversarial {
		for _, size := range []int{16 << 10, 128 << 10} {
			in := a.gen(size)
			b.Run(fmt.Sprintf("%s/%dKiB", a.name, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				for b.Loop() {
					sanitizeHTML(in)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(in)), "ns/byte")
			})
		}
	}
}
