package spoolstorage // import "github.com/foursignals/otelcol-foursignals/extension/spoolstorage"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

// On disk, in the client's directory:
//   - k_<escaped key>: one file per key, holding its value;
//   - <n>.tmp: a value being written (renamed onto its key once the batch commits);
//   - journal: the renames and deletions of a committed batch of more than one change, while they are applied.
//
// A batch is atomic: its new values are written to temporary files first; a batch of one change then commits with
// one rename or unlink; a larger one commits by renaming its journal into place, is applied, and drops the journal.
// Opening a directory replays a journal left by a crash and removes uncommitted temporary files.
const (
	keyPrefix   = "k_"
	tmpSuffix   = ".tmp"
	journalName = "journal"
)

type client struct {
	dir    string
	fsync  bool
	logger *zap.Logger

	mu     sync.Mutex
	seq    uint64
	closed bool
	// broken is set when a committed batch could not be applied: the journal on disk still holds it, and the next
	// start replays it; until then nothing more is written.
	broken error
}

var _ storage.Client = (*client)(nil)

// change is one step of a committed batch: rename tmp onto final, or (tmp == "") remove final.
type change struct{ tmp, final string }

func openClient(dir string, fsync bool, logger *zap.Logger) (*client, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("spool_storage: %w", err)
	}
	c := &client{dir: dir, fsync: fsync, logger: logger}
	if err := c.recover(); err != nil {
		return nil, fmt.Errorf("spool_storage: recovering %q: %w", dir, err)
	}
	return c, nil
}

// recover finishes a batch whose journal was committed before a crash, and drops what was never committed.
func (c *client) recover() error {
	journal := filepath.Join(c.dir, journalName)
	data, err := os.ReadFile(journal)
	switch {
	case err == nil:
		changes, perr := parseJournal(c.dir, data)
		if perr != nil {
			return perr
		}
		if err := c.apply(changes, true); err != nil {
			return err
		}
		if err := os.Remove(journal); err != nil {
			return err
		}
		c.logger.Info("spool_storage: replayed a batch committed before the last stop", zap.String("directory", c.dir), zap.Int("changes", len(changes)))
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), tmpSuffix) {
			if err := os.Remove(filepath.Join(c.dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *client) Get(ctx context.Context, key string) ([]byte, error) {
	op := storage.GetOperation(key)
	err := c.Batch(ctx, op)
	return op.Value, err
}

func (c *client) Set(ctx context.Context, key string, value []byte) error {
	return c.Batch(ctx, storage.SetOperation(key, value))
}

func (c *client) Delete(ctx context.Context, key string) error {
	return c.Batch(ctx, storage.DeleteOperation(key))
}

// Batch applies ops in order, atomically: either all of its changes are on disk afterwards (also after a crash,
// through the journal) or none. A Get sees the changes made before it in the same batch.
func (c *client) Batch(_ context.Context, ops ...*storage.Operation) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("spool_storage: client is closed")
	}
	if c.broken != nil {
		return c.broken
	}
	// What this batch has set or deleted so far, for its own Gets.
	type state struct {
		value   []byte
		deleted bool
	}
	pending := map[string]state{}
	var changes []change
	fail := func(err error) error {
		for _, ch := range changes {
			if ch.tmp != "" {
				_ = os.Remove(ch.tmp)
			}
		}
		return fmt.Errorf("spool_storage: %w", err)
	}
	for _, op := range ops {
		path := filepath.Join(c.dir, keyPrefix+escape(op.Key))
		switch op.Type {
		case storage.Get:
			if st, ok := pending[op.Key]; ok {
				op.Value = nil
				if !st.deleted {
					op.Value = append([]byte{}, st.value...)
				}
				continue
			}
			v, err := os.ReadFile(path)
			switch {
			case err == nil:
				op.Value = v
			case errors.Is(err, os.ErrNotExist):
				op.Value = nil
			default:
				return fail(err)
			}
		case storage.Set:
			c.seq++
			tmp := filepath.Join(c.dir, strconv.FormatUint(c.seq, 10)+tmpSuffix)
			if err := c.writeFile(tmp, op.Value); err != nil {
				_ = os.Remove(tmp)
				return fail(err)
			}
			changes = append(changes, change{tmp: tmp, final: path})
			pending[op.Key] = state{value: op.Value}
		case storage.Delete:
			changes = append(changes, change{final: path})
			pending[op.Key] = state{deleted: true}
		default:
			return fail(fmt.Errorf("unknown operation type %d", op.Type))
		}
	}
	return c.commit(changes, fail)
}

func (c *client) commit(changes []change, fail func(error) error) error {
	if len(changes) == 0 {
		return nil
	}
	if len(changes) == 1 {
		// One rename or unlink is atomic by itself.
		if err := c.apply(changes, false); err != nil {
			return fail(err)
		}
		return c.syncDir()
	}
	var b strings.Builder
	for _, ch := range changes {
		if ch.tmp != "" {
			fmt.Fprintf(&b, "R %s %s\n", filepath.Base(ch.tmp), filepath.Base(ch.final))
		} else {
			fmt.Fprintf(&b, "D %s\n", filepath.Base(ch.final))
		}
	}
	journal := filepath.Join(c.dir, journalName)
	if err := c.writeFile(journal+tmpSuffix, []byte(b.String())); err != nil {
		return fail(err)
	}
	if err := os.Rename(journal+tmpSuffix, journal); err != nil {
		return fail(err)
	}
	// Committed: from here on, a failure leaves the journal for the next start to finish, and nothing more is
	// written until then (a later batch's journal would replace this one).
	if err := errors.Join(c.syncDir(), c.apply(changes, false)); err != nil {
		c.broken = fmt.Errorf("spool_storage: a committed batch could not be applied in %q (%w); a restart replays it from its journal", c.dir, err)
		return c.broken
	}
	if err := c.syncDir(); err != nil {
		return err
	}
	return os.Remove(journal)
}

// apply renames and removes; replaying tolerates steps that were already done before a crash.
func (c *client) apply(changes []change, replay bool) error {
	for _, ch := range changes {
		var err error
		if ch.tmp != "" {
			err = os.Rename(ch.tmp, ch.final)
			if replay && errors.Is(err, os.ErrNotExist) {
				err = nil
			}
		} else {
			err = os.Remove(ch.final)
			if errors.Is(err, os.ErrNotExist) {
				err = nil
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *client) writeFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil && c.fsync {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

func (c *client) syncDir() error {
	if !c.fsync {
		return nil
	}
	d, err := os.Open(c.dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

func (c *client) Close(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

func parseJournal(dir string, data []byte) ([]change, error) {
	var changes []change
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "R":
			changes = append(changes, change{tmp: filepath.Join(dir, f[1]), final: filepath.Join(dir, f[2])})
		case len(f) == 2 && f[0] == "D":
			changes = append(changes, change{final: filepath.Join(dir, f[1])})
		default:
			return nil, fmt.Errorf("journal line %q is not understood", line)
		}
	}
	return changes, nil
}

// escape makes a key a file name: letters, digits, '_' and '-' stay, every other byte becomes %XX (so no name is
// "." or "..", contains a separator, or ends in .tmp).
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '-' {
			b.WriteByte(ch)
		} else {
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}
