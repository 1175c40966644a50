package app

import (
	"encoding/hex"
	"fmt"
)

func encodeKey(k []byte) string { return hex.EncodeToString(k) }

func decodeKey(s string) ([]byte, error) {
	k, err := hex.DecodeString(s)
	if err != nil || len(k) != 32 {
		return nil, newError(CodeKeychain,
			"The database key in the system keychain is damaged. Chartkeep left your records untouched.",
			fmt.Errorf("app: database key: %d bytes, %v", len(k), err))
	}
	return k, nil
}
