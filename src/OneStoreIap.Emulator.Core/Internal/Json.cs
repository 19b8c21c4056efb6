using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>Response building: JSON written with Utf8JsonWriter, no reflection.</summary>
    internal static class Json
    {
        public const string ContentType = "application/json;charset=UTF-8";

        // Relaxed escaping keeps Korean product ids readable, as ONE store sends them.
        private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

        [ThreadStatic] private static ArrayBufferWriter<byte>? cachedBuffer;

        public static byte[] Write(Action<Utf8JsonWriter> write)
        {
            var buffer = cachedBuffer ??= new ArrayBufferWriter<byte>(1024);
            buffer.Clear();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                write(writer);
            }
            var bytes = buffer.WrittenSpan.ToArray();
            if (buffer.Capacity > 1 << 20)
            {
                cachedBuffer = null; // do not keep a huge buffer per thread
            }
            return bytes;
        }

        public static EmulatorResponse Response(int status, byte[] body, string? route = null, string? errorCode = null) =>
            new() { Status = status, ContentType = ContentType, Body = body, Route = route, ErrorCode = errorCode };

        public static EmulatorResponse Error(string code, string? route = null, IReadOnlyList<string>? fields = null) =>
            Error(Codes.StatusOf(code), code, Codes.MessageOf(code, fields), route);

        public static EmulatorResponse Error(int status, string code, string message, string? route = null)
        {
            var body = Write(w =>
            {
                w.WriteStartObject();
                w.WriteStartObject("error");
                w.WriteString("code", code);
                w.WriteString("message", message);
                w.WriteEndObject();
                w.WriteEndObject();
            });
            return Response(status, body, route, code);
        }

        private static readonly byte[] SuccessBody = Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("result");
            w.WriteString("code", Codes.Success);
            w.WriteString("message", Codes.SuccessMessage);
            w.WriteEndObject();
            w.WriteEndObject();
        });

        public static EmulatorResponse Success(string route) => Response(200, SuccessBody, route);

        public static void WriteNullableNumber(this Utf8JsonWriter w, string name, long? value)
        {
            if (value.HasValue) w.WriteNumber(name, value.Value); else w.WriteNull(name);
        }

        public static void WriteNullableNumber(this Utf8JsonWriter w, string name, int? value)
        {
            if (value.HasValue) w.WriteNumber(name, value.Value); else w.WriteNull(name);
        }

        public static void WriteNullableString(this Utf8JsonWriter w, string name, string? value)
        {
            if (value != null) w.WriteString(name, value); else w.WriteNull(name);
        }

        public static EmulatorResponse Html(int status, string title, string text, string? route = null)
        {
            var html = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>" + title + "</title>\n</head><body>\n<h1>" +
                       title.Substring(title.IndexOf(' ') + 1) + "</h1>\n<p>" + text + "</p>\n</body></html>\n";
            return new EmulatorResponse { Status = status, ContentType = "text/html; charset=iso-8859-1", Body = Encoding.ASCII.GetBytes(html), Route = route };
        }
    }
}
