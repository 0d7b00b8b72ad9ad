using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Portal.Core.Adapters.Embedded;

namespace Portal.Web;

/// <summary>
/// The framework's file repository for data-protection keys, except that each key file is created 0600 (flushed, then
/// renamed into place) instead of with the process's default mode, like every other file in the data folder.
/// </summary>
internal sealed class PrivateFileXmlRepository(DirectoryInfo directory, ILoggerFactory loggerFactory)
    : FileSystemXmlRepository(directory, loggerFactory)
{
    public override void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        // The framework's rule: a friendly name becomes the file name only when it is plainly safe as one.
        var name = !string.IsNullOrEmpty(friendlyName) && friendlyName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? friendlyName
            : Guid.NewGuid().ToString();
        using var content = new MemoryStream();
        element.Save(content);
        PrivateFiles.WriteAtomically(Path.Combine(Directory.FullName, name + ".xml"), content.GetBuffer().AsSpan(0, (int)content.Length), overwrite: true);
    }
}
