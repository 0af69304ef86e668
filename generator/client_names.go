package generator

import (
	"go/token"
	"strconv"
	"strings"
	"unicode"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// The client emitters declare package-level names the spec does not name
// (WithGroupIDs, GetAvailableGroupsOption, NewHeroCard, …). A pkgNames knows
// every name the package already declares, so such a name never collides
// with a spec type or a runtime declaration: a taken name gets a fallback.
type pkgNames map[string]bool

// newPkgNames collects the names the spec's types and activities, the other
// emitters and the runtime files declare.
func (g *gen) newPkgNames() pkgNames {
	n := pkgNames{}
	for _, s := range reservedNames {
		n[s] = true
	}
	for _, s := range []string{"Activities", "LookupActivity", "LookupType", "NewActivity", "ChannelOf", "AllChannels", "DiscriminatorKey", "SessionKey"} {
		n[s] = true
	}
	rt, _ := runtimeNames() // Build has already failed on an error
	for _, s := range rt {
		n[s] = true
	}
	for _, a := range g.api.Activities {
		n[a.GoName], n["Activity"+a.GoName] = true, true
	}
	for _, s := range g.api.Structs {
		n[s.GoName] = true
	}
	for _, e := range g.api.Enums {
		n[e.GoName], n[e.ValueType()] = true, true
		for _, v := range e.Values {
			n[v.GoName] = true
		}
	}
	for _, c := range g.api.Channels {
		n["Channel"+c.GoName] = true
	}
	return n
}

// claim takes the first free name of the candidates; when all are taken it
// numbers the last one.
func (n pkgNames) claim(candidates ...string) string {
	for _, c := range candidates {
		if !n[c] {
			n[c] = true
			return c
		}
	}
	last := candidates[len(candidates)-1]
	for i := 2; ; i++ {
		if c := last + strconv.Itoa(i); !n[c] {
			n[c] = true
			return c
		}
	}
}

// free claims all the names when none of them is taken, and reports whether
// it did.
func (n pkgNames) free(names ...string) bool {
	for _, s := range names {
		if n[s] {
			return false
		}
	}
	for _, s := range names {
		n[s] = true
	}
	return true
}

// clientMethodNames are the Client's own methods (templates/runtime/client*.go);
// a generated method taking one of them gets an Activity suffix.
var clientMethodNames = map[string]bool{
	"Send": true, "SendAndWait": true, "SetCallbackURL": true, "ChatbotID": true,
}

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
