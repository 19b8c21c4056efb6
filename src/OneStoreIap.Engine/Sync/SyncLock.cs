using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;

namespace OneStoreIap.Engine.Sync
{
    /// <summary>
    /// The lock beside a state file (<c>&lt;state&gt;.lock</c>) that keeps two runs off one state file. It is an
    /// operating-system lock on the open file (FileShare.None), not the file's existence: the system releases it when
    /// the process that holds it ends, however it ends, so a lock file left by a crashed run never blocks the next run.
    /// </summary>
    public sealed class SyncLock : IDisposable
    {
        private readonly FileStream _stream;
        private readonly string _path;

        private SyncLock(FileStream stream, string path)
        {
            _stream = stream;
            _path = path;
        }

        /// <summary>The lock file of <paramref name="statePath"/>.</summary>
        public static string LockPath(string statePath) => statePath + ".lock";

        /// <summary>Takes the lock at once, or fails at once with <c>SyncStateLocked</c> when another run holds it.</summary>
        public static SyncLock Acquire(string statePath)
        {
            string path = LockPath(statePath);
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (!(e is FileNotFoundException) && !(e is DirectoryNotFoundException))
            {
                throw new SyncStateException("SyncStateLocked",
                    $"Another run is using the sync state file '{statePath}': its lock '{path}' is held. Wait for that run to end " +
                    "(two runs on one state file would emit the same purchases twice). A lock left by a run that crashed is released " +
                    "with its process and does not block.", e);
            }
            try
            {
                // Who holds it, for people who look: the file's content is not what locks.
                byte[] who = Encoding.UTF8.GetBytes(string.Format(CultureInfo.InvariantCulture,
                    "process {0} on {1} since {2:o}\n", Process.GetCurrentProcess().Id, System.Environment.MachineName, DateTimeOffset.UtcNow));
                stream.SetLength(0);
                stream.Write(who, 0, who.Length);
                stream.Flush();
            }
            catch (IOException)
            {
                // The note is a courtesy; the lock is held either way.
            }
            return new SyncLock(stream, path);
        }

        /// <summary>Releases the lock and removes its file.</summary>
        public void Dispose()
        {
            try
            {
                // Deleted while still held, so no other run can take it between the delete and the release.
                File.Delete(_path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // Windows cannot delete a file open without FileShare.Delete: the file stays, unlocked, and is reused.
            }
            _stream.Dispose();
        }
    }
}
