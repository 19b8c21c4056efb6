using System;
using System.Net;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;

namespace OneStoreIap.Engine
{
    /// <summary>
    /// The one function server-sent text passes through before it reaches an exception's message, a ServerMessage or
    /// an ErrorRecord: a server (or a proxy, or a test double) that echoes what it was sent must not put the client
    /// secret or a bearer token into <c>$Error</c>, a transcript or a log. Removes the connection's client secret (as
    /// sent, and percent-, form-, HTML- or JSON-escaped, or inside base64), every access token the connection has held
    /// (in the same forms), and whatever follows <c>Bearer </c>. Thread-safe.
    /// </summary>
    internal sealed class ServerTextScrubber
    {
        public const string Redacted = "[redacted]";

        /// <summary>
        /// Shorter secrets are not searched for: a two-letter value occurs by chance in ordinary text, and removing it
        /// there would garble every message without protecting anything a guess would not find.
        /// </summary>
        internal const int MinimumLength = 6;

        // "Bearer " and what follows it, up to a space, a quote, a markup or a list delimiter (RFC 6750's token68 and more).
        private static readonly Regex BearerValue = new Regex(@"(?i)(bearer\s+)[^\s""'<>,;\\]+", RegexOptions.CultureInvariant);

        // A run that may be base64 (standard or URL-safe), long enough to carry a secret.
        private static readonly Regex Base64Run = new Regex(@"[A-Za-z0-9+/_\-]{8,}={0,2}", RegexOptions.CultureInvariant);

        private readonly SecureString? _secret;
        private readonly object _gate = new object();
        private string[] _tokens = Array.Empty<string>();

        public ServerTextScrubber(SecureString? secret)
        {
            _secret = secret;
        }

        /// <summary>Remembers an access token the connection holds, so that an echo of it is removed from now on.</summary>
        public void AddToken(string? token)
        {
            if (string.IsNullOrEmpty(token) || token!.Length < MinimumLength) return;
            lock (_gate)
            {
                if (Array.IndexOf(_tokens, token) >= 0) return;
                var grown = new string[_tokens.Length + 1];
                Array.Copy(_tokens, grown, _tokens.Length);
                grown[_tokens.Length] = token;
                _tokens = grown;
            }
        }

        /// <summary>
        /// The scrubbed start of <paramref name="text"/>, at most about <paramref name="maxChars"/> of it: the work stays
        /// bounded whatever the server sends (an excerpt shows 200 characters). When the text is cut, the scrubbed
        /// window also loses its last characters, as many as the longest escaped form of a secret or token could take,
        /// so that the part of one cut in two by the window is not left behind.
        /// </summary>
        public string ScrubPrefix(string? text, int maxChars)
        {
            if (string.IsNullOrEmpty(text) || text!.Length <= maxChars) return Scrub(text);
            string window = Scrub(text.Substring(0, maxChars));
            int longest = _secret?.Length ?? 0;
            foreach (string token in _tokens) longest = Math.Max(longest, token.Length);
            // \uXXXX and &#xHH; take six characters for one.
            int margin = 6 * longest + 16;
            return window.Length > margin ? window.Substring(0, window.Length - margin) : "";
        }

        /// <summary>
        /// <paramref name="text"/> without the secret, the tokens and bearer values. Decoded views of the text (percent /
        /// form, HTML entities, JSON escapes) are searched too; when one of them reveals a secret, the scrubbed decoded
        /// view is what comes back.
        /// </summary>
        public string Scrub(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text ?? "";
            char[]? secret = ReadSecret();
            try
            {
                string[] tokens = _tokens;
                string result = ScrubPlain(text!, secret, tokens);
                // Twice over, so that one encoding inside another (a form-encoded echo inside a JSON string) is found.
                for (int pass = 0; pass < 2 * Decoders.Length; pass++)
                {
                    Func<string, string> decode = Decoders[pass % Decoders.Length];
                    string decoded;
                    try
                    {
                        decoded = decode(result);
                    }
                    catch (Exception)
                    {
                        continue;
                    }
                    if (decoded == result) continue;
                    string scrubbed = ScrubPlain(decoded, secret, tokens);
                    if (scrubbed != decoded) result = scrubbed;
                }
                return result;
            }
            finally
            {
                if (secret != null) Array.Clear(secret, 0, secret.Length);
            }
        }

        private static readonly Func<string, string>[] Decoders =
        {
            // application/x-www-form-urlencoded and percent-encoding (either case of hex, '+' or %20 for a space).
            text => text.IndexOf('%') >= 0 || text.IndexOf('+') >= 0 ? WebUtility.UrlDecode(text) : text,
            text => text.IndexOf('&') >= 0 ? WebUtility.HtmlDecode(text) : text,
            text => text.IndexOf('\\') >= 0 ? JsonUnescape(text) : text,
        };

        private static string ScrubPlain(string text, char[]? secret, string[] tokens)
        {
            string result = text;
            if (secret != null) result = RemoveAll(result, secret);
            foreach (string token in tokens) result = RemoveAll(result, token.ToCharArray());
            result = BearerValue.Replace(result, "$1" + Redacted);
            if ((secret != null || tokens.Length > 0) && Base64Run.IsMatch(result))
            {
                result = Base64Run.Replace(result, m => Base64Carries(m.Value, secret, tokens) ? Redacted : m.Value);
            }
            return result;
        }

        private static string RemoveAll(string text, char[] needle)
        {
            int at = text.AsSpan().IndexOf(needle.AsSpan());
            if (at < 0) return text;
            var builder = new StringBuilder(text.Length);
            int from = 0;
            while (at >= 0)
            {
                builder.Append(text, from, at - from).Append(Redacted);
                from = at + needle.Length;
                int next = text.AsSpan(from).IndexOf(needle.AsSpan());
                at = next < 0 ? -1 : from + next;
            }
            builder.Append(text, from, text.Length - from);
            return builder.ToString();
        }

        /// <summary>Whether a base64 run decodes to text that holds the secret or a token (as sent, or form-encoded).</summary>
        private static bool Base64Carries(string run, char[]? secret, string[] tokens)
        {
            string normal = run.TrimEnd('=').Replace('-', '+').Replace('_', '/');
            // The run may begin with characters that are not part of the base64 (a word joined by '_' or '-'):
            // each of the four alignments is tried.
            for (int skip = 0; skip < 4 && normal.Length - skip >= 8; skip++)
            {
                if (DecodedCarries(normal.Substring(skip), secret, tokens)) return true;
            }
            return false;
        }

        private static bool DecodedCarries(string base64, char[]? secret, string[] tokens)
        {
            if (base64.Length % 4 == 1) base64 = base64.Substring(0, base64.Length - 1);
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            }
            catch (FormatException)
            {
                return false;
            }
            string form;
            try
            {
                form = WebUtility.UrlDecode(decoded);
            }
            catch (Exception)
            {
                form = decoded;
            }
            foreach (string view in new[] { decoded, form })
            {
                if (secret != null && view.AsSpan().IndexOf(secret.AsSpan()) >= 0) return true;
                foreach (string token in tokens)
                {
                    if (view.IndexOf(token, StringComparison.Ordinal) >= 0) return true;
                }
            }
            return false;
        }

        /// <summary>JSON string escapes (\uXXXX, \/, \", \\, \n ...) decoded; anything else left as it is.</summary>
        private static string JsonUnescape(string text)
        {
            var builder = new StringBuilder(text.Length);
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c != '\\' || i + 1 >= text.Length)
                {
                    builder.Append(c);
                    continue;
                }
                char e = text[i + 1];
                switch (e)
                {
                    case 'u' when i + 5 < text.Length && IsHex(text, i + 2, 4):
                        builder.Append((char)Convert.ToInt32(text.Substring(i + 2, 4), 16));
                        i += 5;
                        break;
                    case '/': case '\\': case '"': case '\'':
                        builder.Append(e);
                        i++;
                        break;
                    case 'n': builder.Append('\n'); i++; break;
                    case 'r': builder.Append('\r'); i++; break;
                    case 't': builder.Append('\t'); i++; break;
                    case 'b': builder.Append('\b'); i++; break;
                    case 'f': builder.Append('\f'); i++; break;
                    default: builder.Append(c); break;
                }
            }
            return builder.ToString();
        }

        private static bool IsHex(string text, int start, int count)
        {
            for (int i = start; i < start + count; i++)
            {
                char c = text[i];
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
            }
            return true;
        }

        /// <summary>The secret's characters, for this search only (wiped by the caller); null when too short to search for.</summary>
        private char[]? ReadSecret()
        {
            SecureString? secret = _secret;
            if (secret == null || secret.Length < MinimumLength) return null;
            IntPtr plain = IntPtr.Zero;
            try
            {
                plain = Marshal.SecureStringToGlobalAllocUnicode(secret);
                var chars = new char[secret.Length];
                Marshal.Copy(plain, chars, 0, chars.Length);
                return chars;
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            finally
            {
                if (plain != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(plain);
            }
        }
    }
}
