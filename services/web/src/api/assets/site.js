// The hold's countdown: every [data-countdown] shows the time left until its ISO time, every second.
// Progressive enhancement only: without it the page says until when the seats are held.
(function () {
  function tick() {
    var now = Date.now()
    document.querySelectorAll("[data-countdown]").forEach(function (element) {
      var left = Math.max(0, Math.floor((Date.parse(element.getAttribute("data-countdown")) - now) / 1000))
      var minutes = Math.floor(left / 60)
      var seconds = String(left % 60).padStart(2, "0")
      element.textContent = left > 0 ? " (" + minutes + ":" + seconds + " left)" : " (the hold has run out)"
    })
  }
  tick()
  setInterval(tick, 1000)
})()

// A form that came back with errors: focus moves to their summary, which links to each field.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary")
  if (summary) summary.focus()
})
