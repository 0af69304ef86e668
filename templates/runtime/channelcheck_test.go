package mluvii

import (
	"errors"
	"testing"
)

// TestCheckChannel: a set field whose cell for the channel is "no" is an
// error naming the field; unset, or on a channel where it is supported or
// unverified, it is not; an activity whose row says no is named itself.
func TestCheckChannel(t *testing.T) {
	withUser := &Forward{SessionID: 1, UserID: 7}
	if err := CheckChannel(withUser, ChannelWhatsApp); err == nil {
		t.Error("Forward with userId on WhatsApp: no error")
	} else {
		var ce *ChannelError
		if !errors.As(err, &ce) || ce.Field != "userId" || ce.Channel != ChannelWhatsApp || ce.Source != "fixture" {
			t.Errorf("Forward with userId on WhatsApp: %v", err)
		}
		if got, want := err.Error(), "mluvii: Forward.userId is not supported on channel WhatsApp (fixture)"; got != want {
			t.Errorf("message %q, want %q", got, want)
		}
	}
	for _, tc := range []struct {
		a  Activity
		ch Channel
	}{
		{&Forward{SessionID: 1, OperatorGroupID: 3}, ChannelWhatsApp}, // userId not set
		{withUser, ChannelWebChat},                                    // no cell: the row says yes
		{withUser, ChannelFacebook},                                   // unverified
		{&Text{SessionID: 1, Text: "hi"}, ChannelWhatsApp},
	} {
		if err := CheckChannel(tc.a, tc.ch); err != nil {
			t.Errorf("%s on %s: %v", tc.a.ActivityName(), tc.ch, err)
		}
	}
	var ce *ChannelError
	if err := CheckChannel(&Typing{SessionID: 1, Show: true}, ChannelFacebook); !errors.As(err, &ce) || ce.Field != "" || ce.Activity != "Typing" {
		t.Errorf("Typing on Facebook: %v", err)
	}
}
