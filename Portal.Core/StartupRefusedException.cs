namespace Portal.Core;

/// <summary>
/// Start-up stopped on purpose, before anything was written: the data folder's key ring is missing or wrong, another portal
/// holds the folder, or a file comes from a newer release. The message says what to do; the portal prints it and exits 1
/// (a refusal is an operator's answer, not a crash with a stack trace).
/// </summary>
public class StartupRefusedException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
