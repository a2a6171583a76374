package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// secrets are made on first start and kept in the data folder, unless given in
// the environment (as a deployment with several instances must).
type secrets struct {
	TokenKey        []byte `json:"tokenKey"`
	VAPIDPublicKey  string `json:"vapidPublicKey"`
	VAPIDPrivateKey string `json:"vapidPrivateKey"`
}

func loadSecrets(dir string) (secrets, error) {
	var s secrets
	path := filepath.Join(dir, "secrets.json")
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &s); err != nil {
			return s, fmt.Errorf("read %s: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist):
		s.TokenKey = make([]byte, 32)
		if _, err := rand.Read(s.TokenKey); err != nil {
			return s, err
		}
		if s.VAPIDPrivateKey, s.VAPIDPublicKey, err = webpush.GenerateVAPIDKeys(); err != nil {
			return s, err
		}
		b, _ := json.MarshalIndent(s, "", "  ")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return s, fmt.Errorf("keep secrets: %w", err)
		}
	default:
		return s, err
	}
	if v := os.Getenv("HEARD_TOKEN_KEY"); v != "" {
		key, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(key) < 32 {
			return s, errors.New("HEARD_TOKEN_KEY must be at least 32 bytes, base64")
		}
		s.TokenKey = key
	}
	if pub, priv := os.Getenv("HEARD_VAPID_PUBLIC_KEY"), os.Getenv("HEARD_VAPID_PRIVATE_KEY"); pub != "" || priv != "" {
		if pub == "" || priv == "" {
			return s, errors.New("set both HEARD_VAPID_PUBLIC_KEY and HEARD_VAPID_PRIVATE_KEY")
		}
		s.VAPIDPublicKey, s.VAPIDPrivateKey = pub, priv
	}
	return s, nil
}
