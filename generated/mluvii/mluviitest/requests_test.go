package mluviitest

import (
	"encoding/json"
	"testing"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// sample returns a value of a parsed spec type.
func sample(typ *typeRef) any {
	switch typ.kind {
	case "string":
		return "x"
	case "bool":
		return true
	case "int32", "int64":
		return 1
	case "float64":
		return 1.5
	case "timestamp":
		return "2024-11-05T14:22:33.512+01:00"
	case "uuid":
		return "3b9f6c1e-2a47-4d8e-9f10-6a5b4c3d2e1f"
	case "json":
		return map[string]any{"k": "v"}
	case "list":
		return []any{sample(typ.elem)}
	case "map":
		return map[string]any{"k": sample(typ.elem)}
	}
	if t := spec.types[typ.name]; t != nil {
		switch t.kind {
		case "struct":
			return sampleFields(t.fields, nil)
		case "flags":
			return []any{t.values[len(t.values)-1]}
		}
		return t.values[len(t.values)-1]
	}
	return nil
}

// sampleFields fills the required fields and the first of each oneOf group.
func sampleFields(fields []fieldInfo, oneOf [][]string) map[string]any {
	m := map[string]any{}
	for _, f := range fields {
		if f.required {
			m[f.name] = sample(f.typ)
		}
	}
	for _, g := range oneOf {
		for _, f := range fields {
			if f.name == g[0] {
				m[f.name] = sample(f.typ)
			}
		}
	}
	return m
}

// supportedChannel returns a channel on which the activity is supported.
func supportedChannel(a *actInfo) (mluvii.Channel, bool) {
	for _, ch := range mluvii.AllChannels() {
		if c, ok := a.cell(channelName(ch)); !ok || c.support == "yes" {
			return ch, true
		}
	}
	return "", false
}

// TestEveryRequestAnswered sends each request of the spec that has a response
// and checks the paired response arrives, decodes, and passes the spec check.
func TestEveryRequestAnswered(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, Strict())
	bot := newTestBot(t, srv, nil)
	n := 0
	for _, info := range mluvii.Activities() {
		if info.Role != mluvii.RoleRequest || info.Response == "" {
			continue
		}
		n++
		t.Run(info.Name, func(t *testing.T) {
			a := spec.activity(info.Name)
			ch, ok := supportedChannel(a)
			if !ok {
				t.Skipf("%s is supported on no channel", info.Name)
			}
			sess, err := srv.StartConversation(ch)
			if err != nil {
				t.Fatal(err)
			}
			if err := bot.send(sess.ID(), info.Name, sampleFields(a.fields, a.oneOf)); err != nil {
				t.Fatalf("%s: %v", info.Name, err)
			}
			// A prompt waits for the guest: answer it as the guest would.
			for _, p := range sess.Prompts() {
				var err error
				switch p.Kind {
				case PromptUpload:
					_, err = sess.UploadToPrompt(File{Name: "a.txt", ContentType: "text/plain", Data: []byte("a")})
				case PromptLocation:
					err = sess.SendLocation(50.1, 14.4)
				default:
					t.Fatalf("%s: a prompt of kind %q this test does not answer", info.Name, p.Kind)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			e := waitDelivered(t, sess, info.Response)
			if e.Activity == nil || e.Activity.ActivityName() != info.Response {
				t.Errorf("%s does not decode as %s: %s", e.Name, info.Response, e.Body)
			}
			chk := spec.checkEvent(e.Body)
			if len(chk.problems)+len(chk.warnings) > 0 {
				t.Errorf("%s fails the spec check: %v %v\n%s", info.Response, chk.problems, chk.warnings, e.Body)
			}
			var body map[string]any
			_ = json.Unmarshal(e.Body, &body)
			if body["language"] != "cs" || body["source"] == nil || body["sessionId"] != float64(sess.ID()) {
				t.Errorf("envelope missing: %s", e.Body)
			}
		})
	}
	if n == 0 {
		t.Fatal("the spec has no request with a response")
	}
	srv.AssertNoRejections()
}
