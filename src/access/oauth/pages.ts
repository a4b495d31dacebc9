/** The authorization server's HTML: the login form, the sign-out pages and the error page. No script, no style, every value escaped. */

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export type LoginPage = { action: string; uid: string; csrf: string; email?: string; error?: string };

export const loginPage = (page: LoginPage): string => `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in · CRM</title></head>
<body>
<main>
<h1>Sign in</h1>
${page.error ? `<p role="alert" class="error">${escapeHtml(page.error)}</p>` : ''}
<form method="post" action="${escapeHtml(page.action)}" autocomplete="on">
<input type="hidden" name="uid" value="${escapeHtml(page.uid)}">
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">
<label>Email <input type="email" name="email" required autocomplete="username" value="${escapeHtml(page.email ?? '')}"></label>
<label>Password <input type="password" name="password" required autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`;

/** The authorization server's error page (`renderError`): the OAuth error code and description only. */
export const errorPage = (out: { error?: string; error_description?: string }): string => `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in error · CRM</title></head>
<body>
<main>
<h1>Sign-in error</h1>
<p><code>${escapeHtml(String(out.error ?? 'server_error'))}</code>: ${escapeHtml(String(out.error_description ?? ''))}</p>
</main>
</body>
</html>
`;

/** The sign-out confirmation (`logoutSource`): `form` is the provider's hidden form, which both buttons submit. */
export const logoutPage = (form: string): string => `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign out · CRM</title></head>
<body>
<main>
<h1>Sign out of the CRM?</h1>
${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>
</main>
</body>
</html>
`;

/** After a sign-out with no address to return to (`postLogoutSuccessSource`). */
export const signedOutPage = (): string => `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Signed out · CRM</title></head>
<body>
<main>
<h1>Signed out</h1>
<p>You are signed out of the CRM.</p>
</main>
</body>
</html>
`;
