package generator

import (
	"fmt"
	"strings"
)

// This file computes line diffs for Files.Diff: patience diff (anchor on lines
// that occur exactly once on both sides, recurse between anchors) with Myers'
// O(ND) algorithm for the stretches that have no such anchor. Common prefixes
// and suffixes are trimmed at every level, so a small change to a large file
// costs time linear in its size. When a stretch without anchors differs a lot,
// Myers gives up after maxMyersCost edits and the stretch is shown as removed
// and re-added, which keeps the worst case fast.

// diffContext is the number of unchanged lines shown around each change.
const diffContext = 3

// maxMyersCost bounds the edit distance Myers' algorithm searches for.
const maxMyersCost = 1000

// opKind is one step of an edit script.
type opKind byte

const (
	opEqual  opKind = ' '
	opDelete opKind = '-'
	opInsert opKind = '+'
)

// op is one line of an edit script: a line of a (equal, delete) or of b (insert).
type op struct {
	kind opKind
	a, b int // line indexes; a is valid for equal and delete, b for equal and insert
}

// unifiedDiff returns the unified diff from old to new, or "" when they are equal.
func unifiedDiff(oldName, newName string, old, new []byte) string {
	if string(old) == string(new) {
		return ""
	}
	a, b := splitLines(string(old)), splitLines(string(new))
	ops := diffLines(a, b)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
	for _, h := range hunks(ops) {
		writeHunk(&out, a, b, ops[h[0]:h[1]])
	}
	return out.String()
}

// splitLines splits s after each newline; the last line may lack one.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffLines returns an edit script turning a into b.
func diffLines(a, b []string) []op {
	// Number the distinct lines so the algorithms compare ints.
	ids := make(map[string]int)
	number := func(lines []string) []int {
		out := make([]int, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	d := &differ{a: number(a), b: number(b), counts: make([]lineCount, len(ids))}
	d.diff(0, len(a), 0, len(b))
	return d.ops
}

type differ struct {
	a, b   []int
	ops    []op
	counts []lineCount // scratch for anchors, indexed by line id
	gen    int         // generation of counts' current contents
}

type lineCount struct {
	inA, inB int
	posA     int // index in a of the line's (last) occurrence
	posB     int
	gen      int // generation the counts belong to; stale counts are zero
}

func (d *differ) equal(i, j int)  { d.ops = append(d.ops, op{opEqual, i, j}) }
func (d *differ) delete(i, j int) { d.ops = append(d.ops, op{opDelete, i, j}) }
func (d *differ) insert(i, j int) { d.ops = append(d.ops, op{opInsert, i, j}) }

// diff appends the edit script turning a[a0:a1] into b[b0:b1].
func (d *differ) diff(a0, a1, b0, b1 int) {
	for a0 < a1 && b0 < b1 && d.a[a0] == d.b[b0] {
		d.equal(a0, b0)
		a0, b0 = a0+1, b0+1
	}
	n := 0
	for a0 < a1-n && b0 < b1-n && d.a[a1-1-n] == d.b[b1-1-n] {
		n++
	}
	a1, b1 = a1-n, b1-n
	switch {
	case a0 == a1:
		for j := b0; j < b1; j++ {
			d.insert(a0, j)
		}
	case b0 == b1:
		for i := a0; i < a1; i++ {
			d.delete(i, b0)
		}
	default:
		if anchors := d.anchors(a0, a1, b0, b1); len(anchors) > 0 {
			for _, an := range anchors {
				d.diff(a0, an[0], b0, an[1])
				d.equal(an[0], an[1])
				a0, b0 = an[0]+1, an[1]+1
			}
			d.diff(a0, a1, b0, b1)
		} else {
			d.myers(a0, a1, b0, b1)
		}
	}
	for k := 0; k < n; k++ {
		d.equal(a1+k, b1+k)
	}
}

// anchors returns the longest sequence of lines that occur exactly once in both
// a[a0:a1] and b[b0:b1] and appear in the same order on both sides, as index
// pairs (patience diff).
func (d *differ) anchors(a0, a1, b0, b1 int) [][2]int {
	d.gen++
	gen := d.gen
	count := func(id int) *lineCount {
		c := &d.counts[id]
		if c.gen != gen {
			*c = lineCount{gen: gen}
		}
		return c
	}
	for i := a0; i < a1; i++ {
		c := count(d.a[i])
		c.inA++
		c.posA = i
	}
	for j := b0; j < b1; j++ {
		c := count(d.b[j])
		c.inB++
		c.posB = j
	}
	// Unique pairs in a's order; keep the longest increasing run of b indexes
	// (patience sorting).
	var (
		tops  []int // tops[k]: index in pairs of the smallest tail of a run of length k+1
		back  []int // back[i]: predecessor of pairs[i] in its run, or -1
		pairs [][2]int
	)
	for i := a0; i < a1; i++ {
		c := &d.counts[d.a[i]]
		if c.inA != 1 || c.inB != 1 {
			continue
		}
		p := [2]int{i, c.posB}
		// Binary search for the first pile whose top has a larger b index.
		lo, hi := 0, len(tops)
		for lo < hi {
			m := (lo + hi) / 2
			if pairs[tops[m]][1] < p[1] {
				lo = m + 1
			} else {
				hi = m
			}
		}
		prev := -1
		if lo > 0 {
			prev = tops[lo-1]
		}
		pairs = append(pairs, p)
		back = append(back, prev)
		if lo == len(tops) {
			tops = append(tops, len(pairs)-1)
		} else {
			tops[lo] = len(pairs) - 1
		}
	}
	if len(tops) == 0 {
		return nil
	}
	out := make([][2]int, len(tops))
	for k, i := len(tops)-1, tops[len(tops)-1]; k >= 0; k, i = k-1, back[i] {
		out[k] = pairs[i]
	}
	return out
}

// myers appends a shortest edit script turning a[a0:a1] into b[b0:b1], or, if
// that needs more than maxMyersCost edits, one that deletes all of a's lines and
// inserts all of b's.
func (d *differ) myers(a0, a1, b0, b1 int) {
	a, b := d.a[a0:a1], d.b[b0:b1]
	n, m := len(a), len(b)
	maxD := min(n+m, maxMyersCost)
	// v[k+off] is the furthest x reached on diagonal k; trace[e] keeps v[-e..e]
	// as it was after e edits, for the walk back.
	off := maxD + 1
	v := make([]int, 2*off+1)
	var trace [][]int
	found := -1
	for e := 0; e <= maxD && found < 0; e++ {
		for k := -e; k <= e; k += 2 {
			var x int
			if k == -e || (k != e && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1] // down: insert
			} else {
				x = v[off+k-1] + 1 // right: delete
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = e
				break
			}
		}
		trace = append(trace, append([]int(nil), v[off-e:off+e+1]...))
	}
	if found < 0 {
		for i := a0; i < a1; i++ {
			d.delete(i, b0)
		}
		for j := b0; j < b1; j++ {
			d.insert(a1, j)
		}
		return
	}
	// Walk back from (n, m), collecting the script in reverse.
	rev := make([]op, 0, n+m)
	x, y := n, m
	for e := found; e > 0; e-- {
		prev := trace[e-1] // v[-(e-1)..e-1]
		at := func(k int) int { return prev[k+e-1] }
		k := x - y
		var pk int
		if k == -e || (k != e && at(k-1) < at(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		// The edit went from (px, px-pk) to (midX, ·), then a snake to (x, y).
		midX := px
		if pk == k-1 {
			midX++
		}
		for x > midX {
			x, y = x-1, y-1
			rev = append(rev, op{opEqual, a0 + x, b0 + y})
		}
		if pk == k+1 {
			y--
			rev = append(rev, op{opInsert, a0 + x, b0 + y})
		} else {
			x--
			rev = append(rev, op{opDelete, a0 + x, b0 + y})
		}
	}
	for x > 0 && y > 0 {
		x, y = x-1, y-1
		rev = append(rev, op{opEqual, a0 + x, b0 + y})
	}
	for i := len(rev) - 1; i >= 0; i-- {
		d.ops = append(d.ops, rev[i])
	}
}

// hunks groups the changes of ops into hunks with diffContext lines of context,
// merging hunks whose contexts touch, as [start, end) index ranges into ops.
func hunks(ops []op) [][2]int {
	var out [][2]int
	for i := 0; i < len(ops); {
		if ops[i].kind == opEqual {
			i++
			continue
		}
		start := max(i-diffContext, 0)
		// Extend over changes separated by at most 2*diffContext equal lines.
		end := i
		for end < len(ops) {
			for end < len(ops) && ops[end].kind != opEqual {
				end++
			}
			eq := end
			for eq < len(ops) && ops[eq].kind == opEqual {
				eq++
			}
			if eq == len(ops) || eq-end > 2*diffContext {
				break
			}
			end = eq
		}
		stop := min(end+diffContext, len(ops))
		if len(out) > 0 && out[len(out)-1][1] >= start {
			out[len(out)-1][1] = stop
		} else {
			out = append(out, [2]int{start, stop})
		}
		i = end
	}
	return out
}

// writeHunk writes one hunk: its @@ header and its lines.
func writeHunk(out *strings.Builder, a, b []string, ops []op) {
	aStart, bStart := ops[0].a, ops[0].b
	var aLen, bLen int
	for _, o := range ops {
		switch o.kind {
		case opEqual:
			aLen++
			bLen++
		case opDelete:
			aLen++
		case opInsert:
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for _, o := range ops {
		line := ""
		switch o.kind {
		case opEqual, opDelete:
			line = a[o.a]
		case opInsert:
			line = b[o.b]
		}
		out.WriteByte(byte(o.kind))
		out.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange renders a hunk's line range: 1-based start and length, the length
// left out when it is 1, and the start being the line before when it is 0.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
