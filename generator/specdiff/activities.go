package specdiff

import (
	"cmp"
	"slices"
	"strings"

	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
)

// Activities match by name in any letter case, as mluvii matches them.
func findActivity(s *spec.Spec, name string) *spec.Activity {
	for _, a := range s.Activities {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

func (d *differ) activities() {
	for _, n := range d.new.Activities {
		if o := findActivity(d.old, n.Name); o != nil {
			d.activity(o, n)
			continue
		}
		d.add(ActivityAdded, activitySides(n), spec.Pos{}, n.Pos, "activity %s added", n.Name)
	}
	for _, o := range d.old.Activities {
		if findActivity(d.new, o.Name) == nil {
			d.add(ActivityRemoved, activitySides(o), o.Pos, spec.Pos{}, "activity %s removed", o.Name)
		}
	}
}

func activityGoName(a *spec.Activity) string {
	if a.GoName != "" {
		return a.GoName
	}
	return ir.GoName(a.Name)
}

func (d *differ) activity(o, n *spec.Activity) {
	what := "activity " + n.Name
	pos := func(key string) (spec.Pos, spec.Pos) { return at(o.Keys, key, o.Pos), at(n.Keys, key, n.Pos) }
	was, is := activitySides(o), activitySides(n)
	common := intersect(was, is)
	if len(common) == 0 {
		common = is
	}
	op, np := pos("name")
	if o.Name != n.Name {
		d.add(ActivityCase, is, op, np, "activity %s renamed %s (letter case only)", o.Name, n.Name)
	}
	if g1, g2 := activityGoName(o), activityGoName(n); g1 != g2 {
		op, np := pos("goName")
		d.add(ActivityGoName, is, op, np, "%s: Go name %s → %s", what, g1, g2)
	}
	op, np = pos("direction")
	if gained := minus(is, was); len(gained) > 0 {
		d.add(DirectionGained, gained, op, np, "%s: direction %s → %s", what, o.Direction, n.Direction)
	}
	if lost := minus(was, is); len(lost) > 0 {
		d.add(DirectionLost, lost, op, np, "%s: direction %s → %s", what, o.Direction, n.Direction)
	}
	if o.Role != n.Role {
		op, np := pos("role")
		d.add(ActivityRole, is, op, np, "%s: role %s → %s", what, o.Role, n.Role)
	}
	op, np = pos("aliases")
	d.stringSet(ActivityAliasAdded, ActivityAliasRemoved, common, o.Aliases, n.Aliases, op, np, what+": name alias %s")
	if o.IsSession() != n.IsSession() {
		op, np := pos("session")
		d.add(ActivitySession, common, op, np, "%s: session id %s", what, map[bool]string{true: "added", false: "removed"}[n.IsSession()])
	}
	if !strings.EqualFold(o.DiscriminatorKey, n.DiscriminatorKey) || matchText(o) != matchText(n) {
		op, np := pos("discriminatorKey")
		d.add(ActivityWireKey, common, op, np, "%s: written or recognised differently (discriminatorKey %q → %q, match %q → %q)", what, o.DiscriminatorKey, n.DiscriminatorKey, matchText(o), matchText(n))
	}
	if o.Deprecated == "" && n.Deprecated != "" {
		op, np := pos("deprecated")
		d.add(Deprecated, is, op, np, "%s deprecated: %s", what, n.Deprecated)
	}
	if o.EndsSession != n.EndsSession {
		op, np := pos("endsSession")
		kind, says := SessionEndAdded, "now ends"
		if o.EndsSession {
			kind, says = SessionEndRemoved, "no longer ends"
		}
		d.add(kind, []Side{Receive}, op, np, "%s %s the session", what, says)
	}
	d.sending(o, n, what)
	d.keyAliases(o, n, what, common)
	d.fields(what, o.Fields, n.Fields, common)
}

// sending compares what matters for an activity the bot sends (in both specs).
func (d *differ) sending(o, n *spec.Activity, what string) {
	if !slices.Contains(activitySides(o), Send) || !slices.Contains(activitySides(n), Send) {
		return
	}
	send := []Side{Send}
	op, np := at(o.Keys, "response", o.Pos), at(n.Keys, "response", n.Pos)
	switch {
	case o.Response == "" && n.Response != "":
		d.add(ResponseAdded, send, op, np, "%s: now answered by %s", what, n.Response)
	case o.Response != "" && n.Response == "":
		d.add(ResponseRemoved, send, op, np, "%s: no longer answered (was %s)", what, o.Response)
	case !strings.EqualFold(o.Response, n.Response):
		d.add(ResponseChanged, send, op, np, "%s: answered by %s, not %s", what, n.Response, o.Response)
	}
	op, np = at(o.Keys, "retry", o.Pos), at(n.Keys, "retry", n.Pos)
	switch {
	case o.Retry == spec.RetrySafe && n.Retry == spec.RetryUnsafe:
		d.add(RetryNowUnsafe, send, op, np, "%s: retry safe → unsafe", what)
	case o.Retry == spec.RetryUnsafe && n.Retry == spec.RetrySafe:
		d.add(RetryNowSafe, send, op, np, "%s: retry unsafe → safe", what)
	}
	d.cells(o, n, what)
	d.oneOf(o, n, what)
}

// cells compares a matrix row, channel by channel, in NEW's channel order.
func (d *differ) cells(o, n *spec.Activity, what string) {
	d.row(o.Channels, n.Channels, false, what, []Side{Send}, [3]Kind{CellLost, CellWeakened, CellGained})
}

// row compares two channel rows. A partial row is a field's: a missing cell
// means "as the activity's row", compared as yes; in an activity's row a
// missing cell is the validator's business.
func (d *differ) row(was, is map[string]*spec.Cell, partial bool, what string, on []Side, kinds [3]Kind) {
	yes := &spec.Cell{Support: spec.SupportYes}
	for _, c := range d.new.Channels {
		oc, nc := was[c.Name], is[c.Name]
		if partial {
			oc, nc = cmp.Or(oc, yes), cmp.Or(nc, yes)
		}
		if oc == nil || nc == nil || oc.Support == nc.Support {
			continue
		}
		var kind Kind
		switch {
		case nc.Support == spec.SupportNo:
			kind = kinds[0]
		case oc.Support == spec.SupportYes && nc.Support == spec.SupportUnverified:
			kind = kinds[1]
		default:
			kind = kinds[2]
		}
		d.add(kind, on, oc.Pos, nc.Pos, "%s: channel %s %s → %s", what, c.Name, oc.Support, nc.Support)
	}
}

func (d *differ) oneOf(o, n *spec.Activity, what string) {
	group := func(g []string) string { return strings.Join(g, ", ") }
	var was, is []string
	for _, g := range o.OneOf {
		was = append(was, group(g))
	}
	for _, g := range n.OneOf {
		is = append(is, group(g))
	}
	op, np := at(o.Keys, "oneOf", o.Pos), at(n.Keys, "oneOf", n.Pos)
	for _, g := range minus(is, was) {
		d.add(OneOfAdded, []Side{Send}, op, np, "%s: one of [%s] now required", what, g)
	}
	for _, g := range minus(was, is) {
		d.add(OneOfRemoved, []Side{Send}, op, np, "%s: one of [%s] no longer required", what, g)
	}
}

func (d *differ) keyAliases(o, n *spec.Activity, what string, on []Side) {
	text := func(m map[string]string) []string {
		var out []string
		for k, v := range m {
			out = append(out, k+" → "+v)
		}
		slices.Sort(out)
		return out
	}
	op, np := at(o.Keys, "keyAliases", o.Pos), at(n.Keys, "keyAliases", n.Pos)
	for _, a := range minus(text(n.KeyAliases), text(o.KeyAliases)) {
		d.add(KeyAliasAdded, on, op, np, "%s: key alias %s added", what, a)
	}
	for _, a := range minus(text(o.KeyAliases), text(n.KeyAliases)) {
		d.add(KeyAliasRemoved, on, op, np, "%s: key alias %s removed", what, a)
	}
}

// stringSet reports list items added and removed (in any letter case).
func (d *differ) stringSet(added, removed Kind, on []Side, was, is []string, op, np spec.Pos, format string) {
	fold := func(l []string) (out []string) {
		for _, s := range l {
			out = append(out, strings.ToLower(s))
		}
		return out
	}
	for _, s := range is {
		if !slices.Contains(fold(was), strings.ToLower(s)) {
			d.add(added, on, op, np, format+" added", s)
		}
	}
	for _, s := range was {
		if !slices.Contains(fold(is), strings.ToLower(s)) {
			d.add(removed, on, op, np, format+" removed", s)
		}
	}
}

func matchText(a *spec.Activity) string {
	if a.Match == nil {
		return ""
	}
	return a.Match.Key + "=" + strings.Join(a.Match.Values, "|")
}

// minus returns the items of a not in b, in a's order.
func minus[T comparable](a, b []T) []T {
	var out []T
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func intersect(a, b []Side) []Side {
	var out []Side
	for _, s := range a {
		if slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}
