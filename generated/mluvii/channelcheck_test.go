package mluvii

import (
	"errors"
	"strings"
	"testing"
)

// TestCheckChannelNested: on WhatsApp a Message's cards and their buttons
// are both named; on WebChat nothing is; a text-only Message is fine
// everywhere.
func TestCheckChannelNested(t *testing.T) {
	card := NewHeroCard("Pick").WithButtons(IMBack("Red", "red"))
	m := &Message{SessionID: 1, Attachments: []Attachment{card}}
	err := CheckChannel(m, ChannelWhatsApp)
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *ChannelError
		if errors.As(e, &ce) {
			fields = append(fields, ce.Field)
		}
	}
	if len(fields) != 2 || fields[0] != "attachments" || fields[1] != "attachments[0].content.buttons" {
		t.Errorf("Message with a hero card on WhatsApp: fields %q (%v)", fields, err)
	}
	if err := CheckChannel(m, ChannelWebChat); err != nil {
		t.Errorf("on WebChat: %v", err)
	}
	if err := CheckChannel(&Message{SessionID: 1, Text: "hi"}, ChannelWhatsApp); err != nil {
		t.Errorf("text-only Message on WhatsApp: %v", err)
	}
}

// TestCheckChannelBounded: a Message of many cards gives at most
// maxChannelErrors errors and a count of the rest.
func TestCheckChannelBounded(t *testing.T) {
	card := NewHeroCard("Pick").WithButtons(IMBack("Red", "red"))
	m := &Message{SessionID: 1, Attachments: make([]Attachment, 50)}
	for i := range m.Attachments {
		m.Attachments[i] = card
	}
	err := CheckChannel(m, ChannelWhatsApp)
	errs := err.(interface{ Unwrap() []error }).Unwrap()
	if len(errs) != maxChannelErrors+1 || !strings.Contains(errs[len(errs)-1].Error(), "31 more parts not supported on channel WhatsApp") {
		t.Errorf("%d errors, last %v", len(errs), errs[len(errs)-1])
	}
}
