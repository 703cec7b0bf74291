// signin_wait.js: the sign-in page's word when its script does not come.
// Sign in stays disabled until signin.js runs (see there); on a line that
// drops the script, the librarian would face a button that never wakes. The
// server puts this file inline in the page's head, so it runs whatever
// happens to the rest: after 12 s it shows the page's notice, unless
// signin.js has run and taken the notice away.
setTimeout(() => {
  const late = document.getElementById('signin-late');
  if (late) late.hidden = false;
}, 12000);
