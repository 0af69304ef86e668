package mluviitest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// jsonPath is a parsed IgnoreFields path: field names, "*" and "**".
type jsonPath []string

func parseJSONPath(p string) jsonPath { return strings.Split(p, ".") }

// removeAt removes the values at p from v (decoded JSON): a field is
// deleted, a list element becomes "(ignored)".
func removeAt(v any, p jsonPath) any {
	if len(p) == 0 {
		return v
	}
	seg, rest := p[0], p[1:]
	if seg == "**" {
		if len(rest) == 0 {
			return "(ignored)"
		}
		v = removeAt(v, rest) // zero segments
		rest, seg = p, "*"    // one, then any number again
	}
	switch x := v.(type) {
	case map[string]any:
		for k, el := range x {
			if seg != "*" && !strings.EqualFold(k, seg) {
				continue
			}
			if len(rest) == 0 {
				delete(x, k)
			} else {
				x[k] = removeAt(el, rest)
			}
		}
	case []any:
		for i, el := range x {
			if seg != "*" && seg != strconv.Itoa(i) {
				continue
			}
			if len(rest) == 0 {
				x[i] = "(ignored)"
			} else {
				x[i] = removeAt(el, rest)
			}
		}
	}
	return v
}

// diffOp is one step of the alignment of the recorded activities (a) with
// the bot's (b).
type diffOp struct {
	kind byte // ' ' same, '-' only recorded, '+' only sent, '~' sent differently
	a, b int  // indexes (-1: none)
}

// diffItems compares the recorded activities with the bot's and renders the
// differences ("" when there are none that count).
func diffItems(a, b []replayItem, cfg *replayConfig) string {
	ops := align(a, b)
	differs := false
	for _, op := range ops {
		if op.kind == '-' || op.kind == '~' || (op.kind == '+' && !cfg.allowExtra[b[op.b].name]) {
			differs = true
		}
	}
	if !differs {
		return ""
	}
	// Show the differences with up to two unchanged activities around them.
	show := make([]bool, len(ops))
	for i, op := range ops {
		if op.kind != ' ' {
			for j := max(i-2, 0); j <= min(i+2, len(ops)-1); j++ {
				show[j] = true
			}
		}
	}
	var w strings.Builder
	skipped := 0
	flush := func() {
		if skipped > 0 {
			fmt.Fprintf(&w, "    … %d as recorded\n", skipped)
			skipped = 0
		}
	}
	for i, op := range ops {
		if !show[i] {
			skipped++
			continue
		}
		flush()
		switch op.kind {
		case ' ':
			fmt.Fprintf(&w, "    %s (%s)\n", summary(b[op.b]), a[op.a].where)
		case '-':
			fmt.Fprintf(&w, "  - %s (%s, after %s): recorded, not sent by the bot\n", summary(a[op.a]), a[op.a].where, a[op.a].after)
		case '+':
			note := "sent by the bot, not recorded"
			if cfg.allowExtra[b[op.b].name] {
				note += " (allowed)"
			}
			fmt.Fprintf(&w, "  + %s (%s, after %s): %s\n", summary(b[op.b]), b[op.b].where, b[op.b].after, note)
		case '~':
			fmt.Fprintf(&w, "  ~ %s (recorded at %s, after %s; sent as %s):\n", a[op.a].name, a[op.a].where, a[op.a].after, b[op.b].where)
			var lines []string
			fieldDiff(a[op.a].norm, b[op.b].norm, "", &lines)
			for _, l := range lines {
				fmt.Fprintf(&w, "      %s\n", l)
			}
		}
	}
	flush()
	return w.String()
}

// summary is an activity on one line: its name and its body, clipped.
func summary(it replayItem) string {
	body, _ := marshalJSON(it.norm)
	s := string(body)
	if len(s) > 160 {
		cut := 160
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return it.name + " " + s
}

// align is a longest-common-subsequence alignment of a and b by key; the
// runs of removals and insertions between common activities are then paired
// by name into changes. Long sequences (beyond 4 million cells) are paired
// by position instead.
func align(a, b []replayItem) []diffOp {
	n, m := len(a), len(b)
	var raw []diffOp
	if n*m > 4_000_000 {
		for i := 0; i < max(n, m); i++ {
			switch {
			case i >= n:
				raw = append(raw, diffOp{'+', -1, i})
			case i >= m:
				raw = append(raw, diffOp{'-', i, -1})
			case a[i].key == b[i].key:
				raw = append(raw, diffOp{' ', i, i})
			default:
				raw = append(raw, diffOp{'-', i, -1}, diffOp{'+', -1, i})
			}
		}
	} else {
		lcs := make([][]int32, n+1)
		for i := range lcs {
			lcs[i] = make([]int32, m+1)
		}
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if a[i].key == b[j].key {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < n || j < m {
			switch {
			case i < n && j < m && a[i].key == b[j].key:
				raw = append(raw, diffOp{' ', i, j})
				i++
				j++
			case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
				raw = append(raw, diffOp{'+', -1, j})
				j++
			default:
				raw = append(raw, diffOp{'-', i, -1})
				i++
			}
		}
	}
	// Pair the removals and insertions of each run by name, in order.
	var ops []diffOp
	for k := 0; k < len(raw); {
		if raw[k].kind == ' ' {
			ops = append(ops, raw[k])
			k++
			continue
		}
		end := k
		for end < len(raw) && raw[end].kind != ' ' {
			end++
		}
		var dels, ins []int
		for _, op := range raw[k:end] {
			if op.kind == '-' {
				dels = append(dels, op.a)
			} else {
				ins = append(ins, op.b)
			}
		}
		used := make([]bool, len(ins))
		next := 0 // insertions before it are placed
		for _, d := range dels {
			match := -1
			for x := next; x < len(ins); x++ {
				if !used[x] && b[ins[x]].name == a[d].name {
					match = x
					break
				}
			}
			if match < 0 {
				ops = append(ops, diffOp{'-', d, -1})
				continue
			}
			for ; next < match; next++ {
				if !used[next] {
					used[next] = true
					ops = append(ops, diffOp{'+', -1, ins[next]})
				}
			}
			used[match] = true
			next = match + 1
			ops = append(ops, diffOp{'~', d, ins[match]})
		}
		for x := range ins {
			if !used[x] {
				ops = append(ops, diffOp{'+', -1, ins[x]})
			}
		}
		k = end
	}
	return ops
}

// fieldDiff lists where two decoded JSON values differ, one line per
// difference: the path, then the recorded value (-) and the bot's (+).
func fieldDiff(a, b any, path string, out *[]string) {
	name := path
	if name == "" {
		name = "(body)"
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := k
			if path != "" {
				p = path + "." + k
			}
			xv, inX := x[k]
			yv, inY := y[k]
			switch {
			case !inY:
				*out = append(*out, fmt.Sprintf("%s: - %s", p, jsonText(xv)), fmt.Sprintf("%s  + (absent)", pad(p)))
			case !inX:
				*out = append(*out, fmt.Sprintf("%s: - (absent)", p), fmt.Sprintf("%s  + %s", pad(p), jsonText(yv)))
			default:
				fieldDiff(xv, yv, p, out)
			}
		}
		return
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			break
		}
		for i := range x {
			fieldDiff(x[i], y[i], path+"."+strconv.Itoa(i), out)
		}
		return
	}
	ta, tb := jsonText(a), jsonText(b)
	if ta != tb {
		*out = append(*out, fmt.Sprintf("%s: - %s", name, ta), fmt.Sprintf("%s  + %s", pad(name), tb))
	}
}

func pad(s string) string { return strings.Repeat(" ", len([]rune(s))) }

// jsonText renders a decoded value as compact JSON, clipped.
func jsonText(v any) string {
	b, err := marshalJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 300 {
		cut := 300
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
