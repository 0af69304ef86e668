package ir

import "testing"

func TestGoName(t *testing.T) {
	for wire, want := range map[string]string{
		"sessionId":           "SessionID",
		"groupIds":            "GroupIDs",
		"facebookPSID":        "FacebookPSID",
		"trackedGuestGuid":    "TrackedGuestGUID",
		"fileUrl":             "FileURL",
		"whatsAppContactId":   "WhatsAppContactID",
		"vkContactId":         "VKContactID",
		"BUSINESS_HOURS":      "BusinessHours",
		"ONLINE":              "Online",
		"GetAvailableGroups":  "GetAvailableGroups",
		"ObtainCrmIdentity":   "ObtainCrmIdentity",
		"API":                 "API",
		"VK":                  "VK",
		"isSuccess":           "IsSuccess",
		"crmIdentityId":       "CrmIdentityID",
		"HandOff":             "HandOff",
		"GenericChannel":      "GenericChannel",
		"maxSlots":            "MaxSlots",
		"URLs":                "URLs",
		"imageURLs":           "ImageURLs",
		"replyToActivityId":   "ReplyToActivityID",
		"x-future-field":      "XFutureField",
		"fileStoreItems":      "FileStoreItems",
		"usedSlotsWaiting":    "UsedSlotsWaiting",
		"AWAY_IS_OFFLINE":     "AwayIsOffline",
		"PSIDValue":           "PSIDValue",
		"WebChat":             "WebChat",
		"appleContactId":      "AppleContactID",
		"genericChannelId":    "GenericChannelID",
		"existingCrmIdentity": "ExistingCrmIdentity",
	} {
		if got := GoName(wire); got != want {
			t.Errorf("GoName(%q) = %q, want %q", wire, got, want)
		}
	}
}
