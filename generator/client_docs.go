package generator

import (
	"fmt"
	"strings"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// sendDoc is the godoc of a send method: what it sends, the activity's doc,
// its parameters, answer, retry safety, channel support and docs link.
func (g *gen) sendDoc(m *clientMethod) []string {
	a := m.a
	first := fmt.Sprintf("%s sends the %s activity", m.name, a.Wire)
	if a.HasSession {
		first += " in session " + g.sessionParam()
	}
	lines := []string{first + "."}
	if len(a.Doc) > 0 {
		lines = append(lines, "")
		lines = append(lines, a.Doc...)
	}
	para := m.paramDoc()
	switch {
	case a.Response != nil:
		para = append(para, fmt.Sprintf("mluvii answers later with %s at the webhook (Dispatcher.On%s); %s sends it and waits for that answer.",
			a.Response.GoName, a.Response.GoName, m.waitName))
	case a.Role == ir.Request:
		para = append(para, "mluvii sends no answer.")
	}
	para = append(para, retryDoc(a))
	lines = append(lines, "")
	lines = append(lines, wrap(strings.Join(para, " "))...)
	lines = append(lines, "")
	lines = append(lines, channelDoc(a)...)
	return append(lines, docsTail(a)...)
}

// waitDoc is the godoc of an …AndWait method.
func (g *gen) waitDoc(m *clientMethod) []string {
	a, resp := m.a, m.a.Response
	session := g.sessionParam()
	first := fmt.Sprintf("%s sends the %s activity in session %s and waits for mluvii's answer, %s, which arrives at the webhook: the client must share the dispatcher's waiter registry (WithDispatcher or WithWaiters).",
		m.waitName, a.Wire, session, resp.GoName)
	second := fmt.Sprintf("The answer is matched by session and name, (%s, %q), as mluvii has no correlation id. While one call waits on that key, another for the same session fails with ErrInFlight and sends nothing.",
		session, resp.Wire)
	var others []string
	for _, r := range resp.Requests {
		if r != a {
			others = append(others, r.GoName)
		}
	}
	if len(others) > 0 {
		second += fmt.Sprintf(" %s answers %s too, so they share the key.", resp.GoName, strings.Join(others, " and "))
	}
	second += fmt.Sprintf(" ctx bounds the send and the wait; when it ends first the error wraps ctx.Err(), and an answer arriving later goes to the dispatcher's handler. Parameters, retries and channels are those of %s.", m.name)
	lines := wrap(first)
	lines = append(lines, "")
	lines = append(lines, wrap(second)...)
	return append(lines, docsTail(a)...)
}

// paramDoc says what the target and option parameters take.
func (m *clientMethod) paramDoc() []string {
	var lines []string
	for _, t := range m.targets {
		lines = append(lines, fmt.Sprintf("%s is one of %s; one is required.", t.param, optList(t.opts, ", ")))
	}
	if m.iface != "" {
		lines = append(lines, fmt.Sprintf("Options: %s.", optList(m.opts, ", ")))
	}
	return lines
}

func retryDoc(a *ir.Activity) string {
	if a.RetrySafe {
		return "It is safe to retry: network errors, 429 and 5xx are retried (RetryPolicy)."
	}
	return "It is not safe to retry, so it is sent once: after a network error or a 5xx it may or may not have taken effect."
}

// channelDoc summarises the activity's channel row; the sources of "yes" are
// left to ACTIVITIES.md, those of "no" and "unverified" are given.
func channelDoc(a *ir.Activity) []string {
	if len(a.Channels) == 0 {
		return []string{"Channels: the spec has no channel row for it (supported everywhere)."}
	}
	lines := []string{"Channels:"}
	for _, s := range []ir.Support{ir.Yes, ir.No, ir.Unverified} {
		var cells []*ir.Cell
		for _, c := range a.Channels {
			if c.Support == s {
				cells = append(cells, c)
			}
		}
		if len(cells) == 0 {
			continue
		}
		lines = append(lines, "  - "+s.String()+": "+cellList(cells, s != ir.Yes))
	}
	return lines
}

// cellList lists channel names, with their sources when asked: once at the
// end when all share one, else after each.
func cellList(cells []*ir.Cell, sources bool) string {
	same := true
	for _, c := range cells {
		same = same && c.Source == cells[0].Source
	}
	parts := make([]string, len(cells))
	for i, c := range cells {
		parts[i] = c.Channel.Name
		if sources && !same && c.Source != "" {
			parts[i] += " (" + c.Source + ")"
		}
	}
	out := strings.Join(parts, ", ")
	if sources && same && cells[0].Source != "" {
		out += " (" + cells[0].Source + ")"
	}
	return out
}

func docsTail(a *ir.Activity) []string {
	var lines []string
	if a.Docs != "" {
		lines = append(lines, "", "See "+a.Docs)
	}
	if a.Deprecated != "" {
		lines = append(lines, "", "Deprecated: "+a.Deprecated)
	}
	return lines
}

// optionDoc is the godoc of a With<Field> option: the field it sets, and
// where.
func optionDoc(o *fieldOpt) []string {
	u := o.uses[0]
	if len(o.uses) == 1 {
		lines := wrap(fmt.Sprintf("%s sets %s (wire key %q) for %s.", o.fn, u.f.GoName, u.f.Wire, u.m.names()))
		return append(lines, u.f.Doc...)
	}
	lines := []string{fmt.Sprintf("%s sets the field %s (wire key %q) for:", o.fn, u.f.GoName, u.f.Wire)}
	for _, u := range o.uses {
		doc := ""
		if len(u.f.Doc) > 0 {
			doc = ": " + u.f.Doc[0]
		}
		lines = append(lines, "  - "+u.m.names()+doc)
	}
	return lines
}

// names is the method and its AndWait method, for docs.
func (m *clientMethod) names() string {
	if m.waitName == "" {
		return m.name
	}
	return m.name + " and " + m.waitName
}

// wrap breaks a generated paragraph into doc lines that stay within 80
// columns after "// ".
func wrap(text string) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > 77 {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
