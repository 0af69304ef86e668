package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// TestAttackCheckChannelHostileActivity: mluvii.CheckChannel (the real spec:
// Message attachments are "no" on WhatsApp) on an Unknown whose raw body is
// hostile: no panic; time and error size per input.
func TestAttackCheckChannelHostileActivity(t *testing.T) {
	item := `{"contentType":"application/vnd.microsoft.card.hero","content":{"title":"x","buttons":[{"type":"imBack","title":"a","value":"a"}]}},`
	bodies := map[string]string{
		"deep":        `{"activity":"Message","sessionId":1,"attachments":` + strings.Repeat("[", 9990) + strings.Repeat("]", 9990) + `}`,
		"too deep":    `{"activity":"Message","sessionId":1,"attachments":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`,
		"wrong types": `{"activity":"Message","sessionId":1,"attachments":{"a":1},"suggestedActions":"x","text":[1]}`,
		"numbers":     `{"activity":"Message","sessionId":1,"text":0e1,"attachments":[{"content":{"buttons":0e1}}]}`,
		"100k items":  `{"activity":"Message","sessionId":1,"attachments":[` + strings.Repeat(item, 100_000) + `{}]}`,
	}
	for name, b := range bodies {
		u := &mluvii.Unknown{Name: "Message", SessionID: 1, Raw: json.RawMessage(b)}
		began := time.Now()
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: panic %v", name, p)
				}
			}()
			err := mluvii.CheckChannel(u, mluvii.ChannelWhatsApp)
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			t.Logf("%-12s %d B in, %v, %d B of error: %.150s", name, len(b), time.Since(began), len(msg), msg)
		}()
	}
}
