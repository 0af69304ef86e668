package bot_test

import (
	"testing"

	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

// TestReplayConversation is a regression test made by chatting: a
// conversation with the demo bot on mluvii-mock (buttons, a colour, an echo,
// an operator), saved with the page's "Save conversation". The replay fails
// with a diff when the bot answers otherwise. To record it again, chat and
// save, or run
//
//	MLUVII_MOCK_SAVE_RECORDING=$PWD/cmd/demobot/bot/testdata/conversation.jsonl go test -run SaveConversation ./cmd/mluvii-mock
func TestReplayConversation(t *testing.T) {
	s := newBot(t)
	mluviitest.ReplayFile(t, s, "testdata/conversation.jsonl")
}
