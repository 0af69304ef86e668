package mluvii

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ChannelError says that the spec marks an activity, or a field of it, as not
// supported on a channel: mluvii answers 400 to it in a session of that
// channel (Message attachments on WhatsApp).
type ChannelError struct {
	Activity string
	// Field is the path of the set field ("attachments[0].content.buttons"),
	// "" when the activity itself is not supported.
	Field   string
	Channel Channel
	// Source is where the spec has the cell from.
	Source string
}

// Error names the activity, the field and the channel.
func (e *ChannelError) Error() string {
	what := e.Activity
	if e.Field != "" {
		what += "." + e.Field
	}
	return fmt.Sprintf("mluvii: %s is not supported on channel %s (%s)", what, e.Channel, e.Source)
}

// CheckChannel reports what of a the spec says channel ch does not support:
// the activity itself (its channel row), and each field that is set and
// whose own cell for ch is "no" (a field's cells narrow the activity's row:
// Message is fine on WhatsApp, its cards are not). The result joins one
// *ChannelError per finding; nil when there is none. Unverified cells are
// not errors: mluvii may or may not take them.
//
// A session's channel is ChannelOf(its source).
func CheckChannel(a Activity, ch Channel) error {
	info, ok := LookupActivity(a.ActivityName())
	if !ok || ch == "" {
		return nil
	}
	var errs []error
	if info.SupportOn(ch) == SupportNo {
		src := ""
		for _, c := range info.Channels {
			if c.Channel == ch {
				src = c.Source
			}
		}
		errs = append(errs, &ChannelError{Activity: info.Name, Channel: ch, Source: src})
	}
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("mluvii: checking %s against channel %s: %w", info.Name, ch, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return fmt.Errorf("mluvii: checking %s against channel %s: %w", info.Name, ch, err)
	}
	w := channelWalk{activity: info.Name, channel: ch}
	w.fields("", info.Fields, obj)
	errs = append(errs, w.errs...)
	if more := w.found - len(w.errs); more > 0 {
		errs = append(errs, fmt.Errorf("mluvii: %s: %d more parts not supported on channel %s", info.Name, more, ch))
	}
	return errors.Join(errs...)
}

// channelWalk finds the set fields whose cell for channel is "no".
type channelWalk struct {
	activity string
	channel  Channel
	errs     []error
	found    int // findings, reported or not
}

// maxChannelErrors bounds the *ChannelErrors CheckChannel returns: a list of
// a thousand cards need not make a thousand errors.
const maxChannelErrors = 20

func (w *channelWalk) fields(path string, fields []FieldInfo, obj map[string]any) {
	for _, f := range fields {
		v, ok := obj[f.Name]
		if !ok || !jsonSet(v) {
			continue
		}
		p := f.Name
		if path != "" {
			p = path + "." + f.Name
		}
		for _, c := range f.Channels {
			if c.Channel == w.channel && c.Support == SupportNo {
				w.found++
				if w.found <= maxChannelErrors {
					w.errs = append(w.errs, &ChannelError{Activity: w.activity, Field: p, Channel: w.channel, Source: c.Source})
				}
			}
		}
		w.value(p, f.TypeRef, v)
	}
}

func (w *channelWalk) value(path string, t TypeRef, v any) {
	switch t.Kind {
	case "list":
		if list, ok := v.([]any); ok && t.Elem != nil {
			for i, el := range list {
				w.value(fmt.Sprintf("%s[%d]", path, i), *t.Elem, el)
			}
		}
	case "map":
		if m, ok := v.(map[string]any); ok && t.Elem != nil {
			for _, k := range slices.Sorted(maps.Keys(m)) {
				w.value(fmt.Sprintf("%s[%q]", path, k), *t.Elem, m[k])
			}
		}
	case "struct":
		if m, ok := v.(map[string]any); ok {
			if ti, ok := LookupType(t.Name); ok {
				w.fields(path, ti.Fields, m)
			}
		}
	}
}

// jsonSet reports whether a decoded JSON value sets a field: not null, and
// not an empty string, list or object, false or zero.
func jsonSet(v any) bool {
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
		return strings.Trim(string(x), "-0.eE+") != ""
	}
	return true
}
