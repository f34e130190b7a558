package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters.
type Argon2Params struct {
	// MemoryKiB is the memory cost in KiB.
	MemoryKiB uint32
	// Time is the number of passes.
	Time uint32
	// Threads is the degree of parallelism.
	Threads uint8
}

// DefaultArgon2 returns the OWASP recommendation for argon2id
// (19 MiB, 2 passes, 1 thread).
func DefaultArgon2() Argon2Params { return Argon2Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1} }

// Passwords hashes and verifies passwords with argon2id. At most a fixed
// number of hashes run at once, which bounds the memory a burst of logins
// can take.
type Passwords struct {
	params Argon2Params
	slots  chan struct{}
	dummy  string
}

// NewPasswords returns a hasher with the given parameters that runs at most
// concurrency hashes at a time.
func NewPasswords(params Argon2Params, concurrency int) (*Passwords, error) {
	if concurrency < 1 {
		concurrency = 1
	}
	p := &Passwords{params: params, slots: make(chan struct{}, concurrency)}
	dummy, err := p.Hash(context.Background(), "dummy password used to equalise timing")
	if err != nil {
		return nil, err
	}
	p.dummy = dummy
	return p, nil
}

func (p *Passwords) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for password hashing slot: %w", ctx.Err())
	}
}

func (p *Passwords) release() { <-p.slots }

// Hash returns the PHC-formatted argon2id hash of password with a fresh salt.
func (p *Passwords) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	if err := p.acquire(ctx); err != nil {
		return "", err
	}
	defer p.release()
	key := argon2.IDKey([]byte(password), salt, p.params.Time, p.params.MemoryKiB, p.params.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.params.MemoryKiB, p.params.Time, p.params.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether password matches the encoded hash. An empty hash
// (an unknown user) is compared against a dummy so that the time taken does
// not reveal whether the account exists.
func (p *Passwords) Verify(ctx context.Context, password, encoded string) (bool, error) {
	if encoded == "" {
		_, _ = p.verify(ctx, password, p.dummy)
		return false, nil
	}
	return p.verify(ctx, password, encoded)
}

func (p *Passwords) verify(ctx context.Context, password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("unsupported password hash format")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("unsupported argon2 version")
	}
	var params Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &params.MemoryKiB, &params.Time, &params.Threads); err != nil {
		return false, fmt.Errorf("parse argon2 parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("decode salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("decode hash: %w", err)
	}
	if err := p.acquire(ctx); err != nil {
		return false, err
	}
	defer p.release()
	got := argon2.IDKey([]byte(password), salt, params.Time, params.MemoryKiB, params.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
