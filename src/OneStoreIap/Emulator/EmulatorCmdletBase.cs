using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// The base of the cmdlets that drive an emulator through its control API (/_emulator/..., docs/emulator.md):
    /// the emulator lookup (-Emulator, or the most recently started in this session), one HTTP call, and the error
    /// records for control errors ({"error":{"code","message"}}: the code becomes the ErrorId). Cancellation, the
    /// wait and the views come from the module's root, <see cref="OneStoreCmdletBase"/>.
    /// </summary>
    public abstract class EmulatorCmdletBase : OneStoreCmdletBase
    {
        // Loopback only, never through a proxy; one client for the whole process, as HttpClient is meant to be used.
        private static readonly HttpClient Http = new HttpClient(new HttpClientHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) };

        /// <summary>The emulator to drive; the one most recently started in this session when omitted.</summary>
        [Parameter]
        [ValidateNotNull]
        public EmulatorInstance? Emulator { get; set; }

        /// <summary>-Emulator, or the session's most recent running emulator; a terminating NoEmulator error when there is none.</summary>
        internal EmulatorInstance GetEmulator()
        {
            EmulatorInstance? emulator = Emulator ?? EmulatorRegistry.Current();
            if (emulator == null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("No emulator runs in this session. Run Start-OneStoreEmulator first, or pass -Emulator."),
                    "NoEmulator", ErrorCategory.ResourceUnavailable, null));
            }
            if (!emulator!.IsRunning)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("The emulator at " + emulator.BaseUri + " was stopped. Start another with Start-OneStoreEmulator."),
                    "EmulatorStopped", ErrorCategory.ResourceUnavailable, emulator));
            }
            return emulator;
        }

        /// <summary>
        /// Calls the control API and returns its parsed reply, or throws <see cref="EmulatorControlException"/>
        /// (a control error, or an emulator that cannot be reached).
        /// </summary>
        internal JsonTreeObject InvokeControl(EmulatorInstance emulator, HttpMethod method, string path, IDictionary<string, object?>? body)
        {
            var uri = new Uri(emulator.BaseUri, "_emulator/" + path);
            Task<(int, byte[])> call = SendAsync(method, uri, body, CancellationToken);
            WaitFor(call); // Ctrl+C ends the wait at once
            if (call.IsCanceled || (call.IsFaulted && CancellationToken.IsCancellationRequested)) throw new PipelineStoppedException();
            if (call.IsFaulted)
            {
                Exception failure = call.Exception!.GetBaseException();
                throw new EmulatorControlException("EmulatorUnreachable", ErrorCategory.ConnectionError,
                    "The emulator at " + emulator.BaseUri + " did not answer: " + failure.Message, failure);
            }
            (int status, byte[] reply) = call.Result;
            object? parsed = null;
            try
            {
                if (reply.Length > 0) parsed = JsonTree.Parse(reply);
            }
            catch (Exception e) when (!(e is OutOfMemoryException))
            {
                parsed = null;
            }
            if (status >= 200 && status < 300 && parsed is JsonTreeObject ok) return ok;

            string code = "EmulatorError", message = "The emulator answered " + status + " to " + method + " /_emulator/" + path + ".";
            if (parsed is JsonTreeObject tree && tree["error"] is JsonTreeObject error)
            {
                if (error["code"] is string c && c.Length > 0) code = c;
                if (error["message"] is string m && m.Length > 0) message = m;
            }
            ErrorCategory category = status switch
            {
                404 => ErrorCategory.ObjectNotFound,
                409 => ErrorCategory.InvalidOperation,
                400 => ErrorCategory.InvalidArgument,
                _ => ErrorCategory.NotSpecified,
            };
            throw new EmulatorControlException(code, category, message, null);
        }

        private static async Task<(int, byte[])> SendAsync(HttpMethod method, Uri uri, IDictionary<string, object?>? body, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(method, uri);
            if (body != null || method != HttpMethod.Get)
            {
                // The control API takes only JSON for anything but a GET (a web page cannot send that unasked).
                request.Content = new ByteArrayContent(body != null ? JsonTree.Serialize(body) : new[] { (byte)'{', (byte)'}' });
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = Encoding.UTF8.WebName };
            }
            using HttpResponseMessage response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            byte[] bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            return ((int)response.StatusCode, bytes);
        }

        /// <summary>A control-API failure as an error record tied to <paramref name="target"/>.</summary>
        internal static ErrorRecord ToErrorRecord(EmulatorControlException exception, object? target) =>
            new ErrorRecord(exception, exception.ErrorId, exception.Category, target);
    }
}
