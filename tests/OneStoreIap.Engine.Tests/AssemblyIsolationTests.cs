using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>
    /// The module loads the engine's third-party dependencies in a context of their own; that only works while the
    /// cmdlet assembly never names a third-party assembly, and while no third-party type crosses the engine's public
    /// surface into it. Both are read from the compiled metadata (what the runtime will bind), not from reflection on
    /// the test host, where the framework may forward such types and hide them.
    /// </summary>
    public class AssemblyIsolationTests
    {
        private static readonly string EngineAssemblyPath = typeof(OneStoreClient).Assembly.Location;

        // Read beside the engine (the project reference copies it), not loaded: PowerShell is not in this process.
        private static readonly string CmdletAssemblyPath = Path.Combine(Path.GetDirectoryName(EngineAssemblyPath)!, "OneStoreIap.dll");

        [Fact]
        public void TheCmdletAssemblyReferencesOnlyTheRuntimePowerShellAndTheEngine()
        {
            var allowed = new HashSet<string>(StringComparer.Ordinal)
            {
                "netstandard", "System.Management.Automation", "OneStoreIap.Engine",
            };

            string[] references = ReadAssemblyReferences(CmdletAssemblyPath);

            Assert.Contains("OneStoreIap.Engine", references);
            Assert.All(references, r => Assert.Contains(r, allowed));
        }

        [Fact]
        public void TheEnginesPublicSurfaceExposesNoThirdPartyType()
        {
            Dictionary<string, HashSet<string>> exposed = ReadPublicSurfaceScopes(EngineAssemblyPath);

            // Sanity: the walk sees the surface (the BCL types it uses come from netstandard).
            Assert.Contains("netstandard", exposed.Keys);
            var offenders = exposed
                .Where(pair => pair.Key != "netstandard")
                .Select(pair => $"{pair.Key}: {string.Join(", ", pair.Value.OrderBy(m => m, StringComparer.Ordinal).Take(5))}")
                .ToArray();
            Assert.True(offenders.Length == 0, "Third-party types on the engine's public surface: " + string.Join("; ", offenders));
        }

        [Fact]
        public void TheWalkFindsAThirdPartyTypeWhenOneIsExposed()
        {
            // The test must be able to fail: the test assembly itself exposes xunit types publicly.
            Dictionary<string, HashSet<string>> exposed = ReadPublicSurfaceScopes(typeof(AssemblyIsolationTests).Assembly.Location);
            Assert.Contains(exposed.Keys, k => k.StartsWith("xunit", StringComparison.Ordinal) || k.StartsWith("Microsoft.Extensions", StringComparison.Ordinal));
        }

        private static string[] ReadAssemblyReferences(string path)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            MetadataReader reader = pe.GetMetadataReader();
            return reader.AssemblyReferences.Select(h => reader.GetString(reader.GetAssemblyReference(h).Name)).ToArray();
        }

        /// <summary>For each assembly a public type or member of <paramref name="path"/> names: which members name it.</summary>
        private static Dictionary<string, HashSet<string>> ReadPublicSurfaceScopes(string path)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            MetadataReader reader = pe.GetMetadataReader();
            var provider = new ScopeProvider(reader);
            var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);

            void Note(IEnumerable<string> scopes, string where)
            {
                foreach (string scope in scopes)
                {
                    if (scope.Length == 0) continue;  // defined in the assembly itself
                    if (!result.TryGetValue(scope, out var members)) result[scope] = members = new HashSet<string>();
                    members.Add(where);
                }
            }

            foreach (TypeDefinitionHandle typeHandle in reader.TypeDefinitions)
            {
                TypeDefinition type = reader.GetTypeDefinition(typeHandle);
                if (!IsVisible(reader, type)) continue;
                string typeName = reader.GetString(type.Namespace) + "." + reader.GetString(type.Name);

                if (!type.BaseType.IsNil) Note(provider.Scopes(type.BaseType), typeName + " (base)");
                foreach (InterfaceImplementationHandle i in type.GetInterfaceImplementations())
                    Note(provider.Scopes(reader.GetInterfaceImplementation(i).Interface), typeName + " (interface)");

                foreach (FieldDefinitionHandle f in type.GetFields())
                {
                    FieldDefinition field = reader.GetFieldDefinition(f);
                    FieldAttributes access = field.Attributes & FieldAttributes.FieldAccessMask;
                    if (access != FieldAttributes.Public && access != FieldAttributes.Family && access != FieldAttributes.FamORAssem) continue;
                    Note(Split(field.DecodeSignature(provider, null)), typeName + "." + reader.GetString(field.Name));
                }

                foreach (MethodDefinitionHandle m in type.GetMethods())
                {
                    MethodDefinition method = reader.GetMethodDefinition(m);
                    MethodAttributes access = method.Attributes & MethodAttributes.MemberAccessMask;
                    if (access != MethodAttributes.Public && access != MethodAttributes.Family && access != MethodAttributes.FamORAssem) continue;
                    MethodSignature<string> signature = method.DecodeSignature(provider, null);
                    string where = typeName + "." + reader.GetString(method.Name);
                    Note(Split(signature.ReturnType), where);
                    foreach (string parameter in signature.ParameterTypes) Note(Split(parameter), where);
                }
            }
            return result;
        }

        private static bool IsVisible(MetadataReader reader, TypeDefinition type)
        {
            TypeAttributes visibility = type.Attributes & TypeAttributes.VisibilityMask;
            if (visibility == TypeAttributes.Public) return true;
            if (visibility == TypeAttributes.NestedPublic || visibility == TypeAttributes.NestedFamily || visibility == TypeAttributes.NestedFamORAssem)
                return IsVisible(reader, reader.GetTypeDefinition(type.GetDeclaringType()));
            return false;
        }

        private static IEnumerable<string> Split(string scopes) => scopes.Split('|', StringSplitOptions.RemoveEmptyEntries);

        /// <summary>Decodes a signature into the '|'-joined names of the assemblies its types come from ("" = this assembly).</summary>
        private sealed class ScopeProvider : ISignatureTypeProvider<string, object?>
        {
            private readonly MetadataReader _reader;

            public ScopeProvider(MetadataReader reader) => _reader = reader;

            public IEnumerable<string> Scopes(EntityHandle handle) => handle.Kind switch
            {
                HandleKind.TypeDefinition => new[] { "" },
                HandleKind.TypeReference => new[] { FromReference((TypeReferenceHandle)handle) },
                HandleKind.TypeSpecification => Split(_reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null)),
                _ => Array.Empty<string>(),
            };

            private string FromReference(TypeReferenceHandle handle)
            {
                TypeReference reference = _reader.GetTypeReference(handle);
                EntityHandle scope = reference.ResolutionScope;
                switch (scope.Kind)
                {
                    case HandleKind.AssemblyReference:
                        return _reader.GetString(_reader.GetAssemblyReference((AssemblyReferenceHandle)scope).Name);
                    case HandleKind.TypeReference:
                        return FromReference((TypeReferenceHandle)scope);  // a nested type: its outer type's assembly
                    default:
                        return "";
                }
            }

            private static string Join(params string[] parts) => string.Join("|", parts.Where(p => p.Length > 0));

            public string GetPrimitiveType(PrimitiveTypeCode typeCode) => "netstandard";
            public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => "";
            public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => FromReference(handle);
            public string GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
                reader.GetTypeSpecification(handle).DecodeSignature(this, context);
            public string GetSZArrayType(string elementType) => elementType;
            public string GetArrayType(string elementType, ArrayShape shape) => elementType;
            public string GetByReferenceType(string elementType) => elementType;
            public string GetPointerType(string elementType) => elementType;
            public string GetPinnedType(string elementType) => elementType;
            public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) =>
                Join(new[] { genericType }.Concat(typeArguments).ToArray());
            public string GetGenericMethodParameter(object? context, int index) => "";
            public string GetGenericTypeParameter(object? context, int index) => "";
            public string GetFunctionPointerType(MethodSignature<string> signature) =>
                Join(new[] { signature.ReturnType }.Concat(signature.ParameterTypes).ToArray());
            public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        }
    }
}
