package mluviitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// checked is the verdict on one body the bot sent.
type checked struct {
	act       *actInfo
	name      string         // activity name as the bot wrote it
	sessionID int64          // 0 when absent or invalid
	fields    map[string]any // field values by their spec wire name
	problems  []string       // each makes mluvii answer 400
	warnings  []string       // Newtonsoft-lenient deviations mluvii accepts
	// uses are the set fields with channel cells of their own, judged
	// against the session's channel (sessionProblems).
	uses []fieldUse
}

// fieldUse is a set field whose channel support differs by channel.
type fieldUse struct {
	path  string
	cells []cellInfo
}

func (c *checked) problem(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *checked) warn(format string, args ...any) {
	c.warnings = append(c.warnings, fmt.Sprintf(format, args...))
}

// checkRequest checks a body the bot POSTed against the spec. It never panics:
// every input yields problems or a verdict.
func (sc *schema) checkRequest(body []byte) *checked { return sc.check(body, true) }

// checkEvent checks a body mluvii sends to the bot (the fake checks its own
// output with it in tests).
func (sc *schema) checkEvent(body []byte) *checked { return sc.check(body, false) }

func (sc *schema) check(body []byte, fromBot bool) *checked {
	c := &checked{fields: map[string]any{}}
	obj, err := parseObject(body)
	if err != nil {
		c.problem("body: %v", err)
		return c
	}
	if c.act = sc.identify(c, obj); c.act == nil {
		return c
	}
	a := c.act
	skip := map[string]bool{}
	switch {
	case fromBot && !a.sent:
		c.problem("%s: mluvii sends this activity to the bot; the bot cannot send it", a.name)
		return c
	case !fromBot && !a.received:
		c.problem("%s: the bot sends this activity; mluvii never does", a.name)
		return c
	case !fromBot:
		for _, k := range sc.envelope {
			skip[k] = true
		}
	}
	if a.hasSession {
		sc.checkSession(c, obj, skip)
	}
	seen := map[string]bool{}
	for _, k := range sortedKeys(obj) {
		if skip[k] {
			continue
		}
		f, fold := a.field(k)
		if f == nil && containsFold(sc.envelope, k) {
			// A bot echoing a received Text back carries these; mluvii ignores them.
			c.warn("%s: %q is what mluvii adds to the bodies it sends; it ignores the bot's", a.name, k)
			continue
		}
		if f == nil {
			// Newtonsoft skips members it has no property for; Strict rejects them.
			c.warn("%s: unknown field %q; mluvii ignores it (fields of %s: %s)", a.name, k, a.name, fieldNames(a.fields))
			continue
		}
		if fold {
			c.warn("%s: key %q should be spelled %q", a.name, k, f.name)
		}
		seen[f.name] = true
		c.fields[f.name] = obj[k]
		sc.checkField(c, a.name+"."+f.name, f, obj[k])
	}
	checkPresence(c, a.name, a.fields, c.fields)
	for _, group := range a.oneOf {
		if !anySet(c.fields, group) {
			c.problem("%s: needs at least one of %s", a.name, quoteAll(group))
		}
	}
	return c
}

// parseObject decodes a JSON object keeping numbers as json.Number; the last
// of duplicate keys wins, as in Newtonsoft.
func parseObject(body []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	if d.More() {
		return nil, fmt.Errorf("not valid JSON: data after the top-level value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object, got %s", kindOf(v))
	}
	return obj, nil
}

// identify finds the activity a body names, by its discriminator or, failing
// that, by a match key (the untyped type:"message" form).
func (sc *schema) identify(c *checked, obj map[string]any) *actInfo {
	key, v, ok := lookupKey(obj, sc.discriminator)
	if !ok {
		for _, a := range sc.acts {
			if a.matchKey == "" {
				continue
			}
			if mk, mv, ok := lookupKey(obj, a.matchKey); ok {
				if s, _ := mv.(string); containsFold(a.matchValues, s) {
					// The spec declares this form; only a spelling it does not list is lenient.
					if !slices.Contains(a.matchValues, s) || mk != a.matchKey {
						c.warn("%s %q should be spelled %s %q", mk, s, a.matchKey, a.matchValues[0])
					}
					c.name = a.name
					if _, declared := a.field(mk); !declared {
						delete(obj, mk)
					}
					return a
				}
			}
		}
		c.problem("missing %q: the body must name its activity", sc.discriminator)
		return nil
	}
	delete(obj, key)
	if key != sc.discriminator {
		c.warn("key %q should be spelled %q", key, sc.discriminator)
	}
	name, isString := v.(string)
	if !isString {
		c.problem("%q must be a string naming the activity, got %s", sc.discriminator, describe(v))
		return nil
	}
	c.name = name
	if a := sc.byName[name]; a != nil {
		return a
	}
	if a := sc.byFold[strings.ToLower(name)]; a != nil {
		c.warn("activity %q should be spelled %q", name, a.name)
		return a
	}
	c.problem("unknown activity %q", name)
	return nil
}

// checkSession checks the session id: a positive integer, or (leniently) a
// numeric string.
func (sc *schema) checkSession(c *checked, obj map[string]any, skip map[string]bool) {
	name := c.act.name
	key, v, ok := lookupKey(obj, sc.sessionKey)
	if !ok {
		c.problem("%s: missing required field %q", name, sc.sessionKey)
		return
	}
	skip[key] = true
	if key != sc.sessionKey {
		c.warn("%s: key %q should be spelled %q", name, key, sc.sessionKey)
	}
	n, lenient, err := intValue(v, 64)
	switch {
	case err != nil:
		c.problem("%s.%s: %v", name, sc.sessionKey, err)
	case n <= 0:
		c.problem("%s.%s: must be positive, got %d", name, sc.sessionKey, n)
	default:
		c.sessionID = n
		if lenient != "" {
			c.warn("%s.%s: %s", name, sc.sessionKey, lenient)
		}
	}
}

// checkPresence reports required fields that are absent or null.
func checkPresence(c *checked, path string, fields []fieldInfo, got map[string]any) {
	for _, f := range fields {
		v, ok := got[f.name]
		switch {
		case f.required && !ok:
			c.problem("%s: missing required field %q", path, f.name)
		case f.required && v == nil && !f.nullable:
			c.problem("%s.%s: must not be null", path, f.name)
		}
	}
}

func (sc *schema) checkField(c *checked, path string, f *fieldInfo, v any) {
	if v == nil {
		return // absent-or-null is judged by checkPresence
	}
	if len(f.channels) > 0 && isSet(v) {
		c.uses = append(c.uses, fieldUse{path, f.channels})
	}
	sc.checkValue(c, path, f.typ, v)
}

// isSet reports whether a JSON value sets a field: not null, and not an
// empty string, list or object, false or 0 (the zero values that mean "not
// set").
func isSet(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case bool:
		return x
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0
	case float64:
		return x != 0
	}
	return true
}

// checkValue checks v against a parsed spec type.
func (sc *schema) checkValue(c *checked, path string, typ *typeRef, v any) {
	if v == nil {
		if valueType(sc, typ) {
			c.problem("%s: want %s, got null", path, typ)
		}
		return
	}
	switch typ.kind {
	case "list":
		list, ok := v.([]any)
		if !ok {
			c.problem("%s: want a list (%s), got %s", path, typ, describe(v))
			return
		}
		for i, el := range list {
			sc.checkValue(c, fmt.Sprintf("%s[%d]", path, i), typ.elem, el)
		}
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			c.problem("%s: want an object (%s), got %s", path, typ, describe(v))
			return
		}
		for _, k := range sortedKeys(m) {
			sc.checkValue(c, fmt.Sprintf("%s[%q]", path, k), typ.elem, m[k])
		}
	case "struct", "enum", "flags":
		if t := sc.types[typ.name]; t != nil {
			sc.checkNamed(c, path, t, v)
		}
	default:
		if k, ok := scalarKinds[typ.kind]; ok {
			k.check(c, path, v)
		}
		// loadSpec has refused unknown kinds (schema.checkKinds).
	}
}

// checkNamed checks a value of a named struct, enum or flags type.
func (sc *schema) checkNamed(c *checked, path string, t *typeInfo, v any) {
	switch t.kind {
	case "struct":
		m, ok := v.(map[string]any)
		if !ok {
			c.problem("%s: want an object (%s), got %s", path, t.name, describe(v))
			return
		}
		got := map[string]any{}
		for _, k := range sortedKeys(m) {
			f, fold := findField(t.fields, k)
			if f == nil {
				c.warn("%s: unknown field %q; mluvii ignores it (fields of %s: %s)", path, k, t.name, fieldNames(t.fields))
				continue
			}
			if fold {
				c.warn("%s: key %q should be spelled %q", path, k, f.name)
			}
			got[f.name] = m[k]
			sc.checkField(c, path+"."+f.name, f, m[k])
		}
		checkPresence(c, path, t.fields, got)
	case "flags":
		if list, ok := v.([]any); ok {
			for i, el := range list {
				checkEnum(c, fmt.Sprintf("%s[%d]", path, i), t, el)
			}
			return
		}
		checkEnum(c, path, t, v)
	default:
		checkEnum(c, path, t, v)
	}
}

func checkEnum(c *checked, path string, t *typeInfo, v any) {
	switch x := v.(type) {
	case string:
		if contains(t.values, x) {
			return
		}
		for _, val := range t.values {
			if strings.EqualFold(val, x) {
				c.warn("%s: %q should be spelled %q", path, x, val)
				return
			}
		}
		c.problem("%s: %q is not a %s (want one of %s)", path, x, t.name, quoteAll(t.values))
	case json.Number:
		c.warn("%s: %s sent as the number %s; mluvii accepts enum numbers, the spec says a name (%s)", path, t.name, x, quoteAll(t.values))
	default:
		c.problem("%s: want a %s name, got %s", path, t.name, describe(v))
	}
}

// scalarKind is the fake's column of the kind table (spec/kind in mluviigen):
// how it checks a value of a builtin kind the bot sent, whether mluvii's C#
// model holds it as a value type (which Newtonsoft cannot set to null), and
// the value mluvii sends for a field nobody set.
type scalarKind struct {
	check     func(c *checked, path string, v any)
	valueType bool
	zero      func(s *Server) any
}

// scalarKinds has a row for every builtin kind of the spec's type language,
// keyed by its spec name. loadSpec refuses a schema using a kind missing here.
// Newtonsoft's conversions (numbers as strings and back, "true") pass with a
// warning.
var scalarKinds = map[string]scalarKind{
	"string":    {check: checkString, zero: func(*Server) any { return "" }},
	"bool":      {check: checkBool, valueType: true, zero: func(*Server) any { return false }},
	"int32":     {check: checkInt(32), valueType: true, zero: func(*Server) any { return 0 }},
	"int64":     {check: checkInt(64), valueType: true, zero: func(*Server) any { return 0 }},
	"float64":   {check: checkFloat, valueType: true, zero: func(*Server) any { return 0 }},
	"timestamp": {check: checkTimestamp, zero: func(s *Server) any { return s.timestamp() }},
	"uuid":      {check: checkUUID, zero: func(*Server) any { return randomUUID() }},
	"json":      {check: func(*checked, string, any) {}, zero: func(*Server) any { return nil }}, // any JSON
}

func checkString(c *checked, path string, v any) {
	switch v.(type) {
	case string:
	case json.Number, bool:
		c.warn("%s: want a string, got %s; mluvii converts it", path, describe(v))
	default:
		c.problem("%s: want a string, got %s", path, describe(v))
	}
}

func checkBool(c *checked, path string, v any) {
	switch x := v.(type) {
	case bool:
	case string:
		if strings.EqualFold(x, "true") || strings.EqualFold(x, "false") {
			c.warn("%s: want a boolean, got the string %q; mluvii converts it", path, x)
			return
		}
		c.problem("%s: want a boolean, got %s", path, describe(v))
	case json.Number: // Newtonsoft reads a number as a boolean: 0 is false
		c.warn("%s: want a boolean, got the number %s; mluvii converts it", path, x)
	default:
		c.problem("%s: want a boolean, got %s", path, describe(v))
	}
}

func checkInt(bits int) func(c *checked, path string, v any) {
	return func(c *checked, path string, v any) {
		if _, lenient, err := intValue(v, bits); err != nil {
			c.problem("%s: %v", path, err)
		} else if lenient != "" {
			c.warn("%s: %s", path, lenient)
		}
	}
}

func checkTimestamp(c *checked, path string, v any) {
	s, ok := v.(string)
	_, err := parseTime(s)
	switch {
	case !ok:
		c.problem("%s: want a timestamp string, got %s", path, describe(v))
	case err == nil:
	case lenientTime(s):
		c.warn("%s: %q is not an ISO 8601 timestamp (want e.g. 2024-11-05T14:22:33.512+01:00); mluvii's DateTimeOffset.TryParse reads it", path, s)
	default:
		c.problem("%s: %q is not a timestamp (want e.g. 2024-11-05T14:22:33.512+01:00)", path, s)
	}
}

func checkUUID(c *checked, path string, v any) {
	if s, ok := v.(string); !ok || !uuidRE.MatchString(s) {
		c.problem("%s: want a UUID string, got %s", path, describe(v))
	}
}

func checkFloat(c *checked, path string, v any) {
	switch x := v.(type) {
	case json.Number:
		if _, err := x.Float64(); err != nil {
			c.problem("%s: %s is out of range for a float64", path, x)
		}
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			c.warn("%s: want a number, got the string %q; mluvii converts it", path, x)
			return
		}
		c.problem("%s: want a number, got %s", path, describe(v))
	default:
		c.problem("%s: want a number, got %s", path, describe(v))
	}
}

var uuidRE = regexp.MustCompile(`^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$`)

// intValue reads an integer of the given size. lenient is set (and err nil)
// for forms mluvii accepts but the spec does not: an integer in a string, or
// an integral number such as 1.0 for an int64. Newtonsoft reads an int32
// member with ReadAsInt32, which rejects 1.0 ("not a valid integer"), and
// converts strings with int.TryParse; an int64 member takes any number.
func intValue(v any, bits int) (n int64, lenient string, err error) {
	var text string
	switch x := v.(type) {
	case json.Number:
		text = string(x)
	case string:
		text = strings.TrimSpace(x)
		lenient = fmt.Sprintf("want an integer, got the string %q; mluvii converts it", x)
	default:
		return 0, "", fmt.Errorf("want an integer, got %s", describe(v))
	}
	n, perr := strconv.ParseInt(text, 10, bits)
	if perr == nil {
		return n, lenient, nil
	}
	_, isNumber := v.(json.Number)
	if f, ferr := strconv.ParseFloat(text, 64); isNumber && bits == 64 && ferr == nil && f == math.Trunc(f) && math.Abs(f) < math.Ldexp(1, bits-1) {
		return int64(f), fmt.Sprintf("want an integer, got %s; mluvii converts it", text), nil
	}
	if errNum, ok := perr.(*strconv.NumError); ok && errNum.Err == strconv.ErrRange {
		return 0, "", fmt.Errorf("%s is out of range for int%d", text, bits)
	}
	return 0, "", fmt.Errorf("want an integer, got %s", describe(v))
}

// valueType reports whether typ is a C# value type in mluvii's models, which
// Newtonsoft cannot set to null.
func valueType(sc *schema, typ *typeRef) bool {
	switch typ.kind {
	case "enum", "flags":
		return sc.types[typ.name] != nil
	}
	return scalarKinds[typ.kind].valueType
}

// parseTime accepts RFC 3339 with 0–9 fractional digits, with or without an
// offset (mluvii's own timestamps have none).
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02T15:04:05.999999999Z07:00", s)
	if err != nil {
		t, err = time.Parse("2006-01-02T15:04:05.999999999", s)
	}
	return t, err
}

// lenientTimeLayouts are forms Newtonsoft's fallback to .NET's
// DateTimeOffset.TryParse (invariant culture) reads besides ISO 8601: a space
// for the T, no seconds, a date alone.
var lenientTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04Z07:00", "2006-01-02 15:04", "2006-01-02T15:04Z07:00", "2006-01-02T15:04",
	"2006-01-02",
}

func lenientTime(s string) bool {
	for _, layout := range lenientTimeLayouts {
		if _, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return true
		}
	}
	return false
}

// lookupKey finds key in obj: exactly, else ignoring letter case (mluvii
// reads keys case-insensitively). key is the spelling found.
func lookupKey(obj map[string]any, want string) (key string, v any, ok bool) {
	if v, ok := obj[want]; ok {
		return want, v, true
	}
	for _, k := range sortedKeys(obj) {
		if strings.EqualFold(k, want) {
			return k, obj[k], true
		}
	}
	return "", nil, false
}

func anySet(fields map[string]any, names []string) bool {
	for _, n := range names {
		if fields[n] != nil {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// kindOf names the JSON kind of a decoded value.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// describe is kindOf plus the value when it is short.
func describe(v any) string {
	switch x := v.(type) {
	case bool, json.Number:
		return fmt.Sprintf("%s %v", kindOf(v), x)
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return fmt.Sprintf("%s %q", kindOf(v), x)
	}
	return kindOf(v)
}
