package generator

import (
	"go/token"
	"strings"
	"unicode"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// localNames are the identifiers generated method bodies use; a parameter
// named after a field must not shadow them.
var localNames = map[string]bool{
	"ctx": true, "c": true, "a": true, "o": true, "opts": true, "andWait": true,
	"target": true, "nil": true, "true": true, "false": true, "len": true,
	"string": true, "error": true, "any": true, "append": true,
}

// paramName turns a Go field name into a parameter name: GroupIDs →
// groupIDs, URL → url, HeroCardID → heroCardID, IDs → ids.
func paramName(goName string) string {
	rs := []rune(goName)
	upper := 0
	for upper < len(rs) && unicode.IsUpper(rs[upper]) {
		upper++
	}
	lower := upper // how many leading runes to lower
	if upper > 1 && upper < len(rs) && unicode.IsLower(rs[upper]) {
		lower = upper - 1 // HTTPClient → httpClient
		if rs[upper] == 's' && (upper+1 == len(rs) || unicode.IsUpper(rs[upper+1])) {
			lower = upper // IDs → ids
		}
	}
	if upper == 1 {
		lower = 1
	}
	for i := 0; i < lower; i++ {
		rs[i] = unicode.ToLower(rs[i])
	}
	name := string(rs)
	if token.IsKeyword(name) || localNames[name] || strings.HasPrefix(name, "target") {
		name += "Value"
	}
	return name
}

// sessionParam is the parameter carrying the session id.
func (g *gen) sessionParam() string {
	return paramName(g.api.Session.GoName)
}

// clientActivities lists the activities the Client gets a method for: every
// activity the bot sends, in spec order (with --channel, those supported on
// the channels: onClient in channels.go).
func (g *gen) clientActivities() []*ir.Activity {
	var out []*ir.Activity
	for _, a := range g.api.Activities {
		if a.Direction.Sent() && g.onClient(a) {
			out = append(out, a)
		}
	}
	return out
}
